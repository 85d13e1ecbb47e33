//! Consent and audiences: the columns that are the members' consent to be contacted by a
//! channel (`consent_email: bool? consent email`) and the segments contacted by one (`audience
//! email`), whose members `check` proves to have that consent and `segc run` counts again.

use super::{LetId, Path, Program, SegmentId, SourceId};
use crate::span::Span;

/// A contact channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text messages.
    Sms,
    /// Phone calls.
    Phone,
    /// Letters.
    Post,
    /// Advertising audiences (customer lists uploaded to ad platforms).
    Ads,
}

impl Channel {
    /// Every channel, in the order the documentation lists them.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Post,
        Channel::Ads,
    ];

    /// The channel as written in rule files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Post => "post",
            Channel::Ads => "ads",
        }
    }

    /// The channel written `name`, if there is one.
    pub fn named(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// A column declared the consent for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    /// The channel.
    pub channel: Channel,
    /// The source declaring the column.
    pub source: SourceId,
    /// The column's index among the source's columns (a `bool`, maybe nullable: null is no
    /// consent).
    pub column: usize,
    /// `consent CHANNEL`.
    pub span: Span,
    /// For a consent from dates (`email_ok: consent email given optin_at withdrawn optout_at`):
    /// the `let` the checker made of it, the condition rules read as the consent; `column` is
    /// then the `given` date.
    pub dated: Option<LetId>,
}

/// A segment declared an audience for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    /// The segment.
    pub segment: SegmentId,
    /// The channel its members are contacted by.
    pub channel: Channel,
    /// Whether members found without consent at run time are a warning (`else warn`) rather
    /// than an error that keeps the outputs from being published.
    pub warn: bool,
    /// `audience CHANNEL [else warn]`.
    pub span: Span,
}

impl Program {
    /// The references a member's consent is looked up along: the shortest path from the
    /// population to the consent's source (`None` for a column of the population, or a source
    /// no path reaches). Only that path reads the member's own consent: another one (a
    /// household's account rather than the member's) reads somebody else's.
    pub fn consent_path(&self, consent: Consent) -> Option<Path> {
        super::paths::find(&self.sources, self.population, consent.source, 1)
            .into_iter()
            .next()
    }
}
