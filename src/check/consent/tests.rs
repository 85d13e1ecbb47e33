//! The proof that audiences require their channel's consent, on small rule files.

use crate::diagnostics::{ConsentDiagnostic, Diagnostic};

const SOURCES: &str = r#"
source customers from csv "c.csv" {
  key id: int
  status: string
  revenue: int
  opted_in: bool consent email
  sms_ok: bool? consent sms
  account_id: int? references accounts
}
source accounts from csv "a.csv" {
  key id: int
  post_ok: bool? consent post
}
population customers
"#;

/// The diagnostics of `rules` after the shared sources: code, and for E1705 the gap's kind
/// and text.
fn findings(rules: &str) -> Vec<String> {
    findings_in(&format!("{SOURCES}{rules}"))
}

/// The consent findings of a whole rule file, as [`findings`] words them.
fn findings_in(text: &str) -> Vec<String> {
    let text = text.to_string();
    let parsed = crate::syntax::parse(&text);
    let checked = crate::check::check(&parsed.program, &parsed.diagnostics);
    checked
        .diagnostics
        .iter()
        .map(|d| match d {
            Diagnostic::Consent(ConsentDiagnostic::Unproven(u)) => {
                let through: Vec<&str> = u.through.iter().map(|t| t.name.as_str()).collect();
                format!(
                    "E1705 {:?} `{}` via [{}]",
                    u.gap,
                    u.gap_span.text(&text),
                    through.join(", ")
                )
            }
            other => other.code().to_string(),
        })
        // Lints about the shared sources (unused columns) are not about consent.
        .filter(|finding| finding.starts_with("E17"))
        .collect()
}

fn proven(rules: &str) {
    assert_eq!(findings(rules), Vec::<String>::new(), "{rules}");
}

#[test]
fn a_conjunction_with_the_consent_is_proven() {
    proven("segment s = opted_in and revenue > 10 audience email");
    proven("segment s = revenue > 10 and (status == \"a\" and opted_in) audience email");
}

#[test]
fn an_or_needs_the_consent_in_every_branch() {
    proven(
        "segment s = (opted_in and revenue > 10) or (status == \"vip\" and opted_in) audience email",
    );
    assert_eq!(
        findings("segment s = (opted_in and revenue > 10) or status == \"vip\" audience email"),
        [r#"E1705 Branch `status == "vip"` via []"#]
    );
}

#[test]
fn nested_ors_name_the_innermost_branch_without_it() {
    assert_eq!(
        findings(
            "segment s = opted_in and revenue > 1 or (status == \"a\" and (opted_in or (revenue < 0 and opted_in) or revenue == 3)) audience email"
        ),
        ["E1705 Branch `revenue == 3` via []"]
    );
    assert_eq!(
        findings("segment s = (opted_in or revenue > 3) and status == \"a\" audience email"),
        ["E1705 Branch `revenue > 3` via []"]
    );
}

#[test]
fn a_nullable_consent_is_proven_as_a_condition_but_not_when_defaulted() {
    // A null consent makes the condition null: not a member.
    proven("segment s = sms_ok and revenue > 10 audience sms");
    assert_eq!(
        findings("segment s = coalesce(sms_ok, true) audience sms"),
        ["E1705 Condition `coalesce(sms_ok, true)` via []"]
    );
}

#[test]
fn not_gives_consent_only_through_a_double_negation() {
    proven("segment s = not (not opted_in) audience email");
    proven("segment s = not (not opted_in or revenue < 10) audience email");
    assert_eq!(
        findings("segment s = not (opted_in and revenue > 10) audience email"),
        ["E1705 Negation `opted_in` via []"]
    );
    assert_eq!(
        findings("segment s = not (status == \"blocked\") audience email"),
        [r#"E1705 Negation `(status == "blocked")` via []"#]
    );
}

#[test]
fn referenced_segments_and_lets_are_followed() {
    proven(
        "segment base = opted_in and revenue > 0\nsegment s = base and status == \"a\" audience email",
    );
    proven(
        "let ok = opted_in and status != \"x\"\nsegment s = ok or (ok and revenue > 3) audience email",
    );
    assert_eq!(
        findings(
            "segment lapsed = revenue < 10 or opted_in\nsegment s = lapsed and status == \"a\" audience email"
        ),
        ["E1705 Branch `revenue < 10` via [lapsed]"]
    );
}

#[test]
fn tiers_are_proven_arm_by_arm() {
    let tiers = "tiers value {\n  high: revenue >= 100 and opted_in\n  mid: revenue >= 10\n  low: else\n}\n";
    proven(&format!(
        "{tiers}segment s = value == \"high\" audience email"
    ));
    assert_eq!(
        findings(&format!(
            "{tiers}segment s = value in [\"high\", \"mid\"] audience email"
        )),
        ["E1705 TierArm `mid: revenue >= 10` via [value]"]
    );
    assert_eq!(
        findings(&format!(
            "{tiers}segment s = value == \"low\" audience email"
        )),
        ["E1705 TierElse `low: else` via [value]"]
    );
}

#[test]
fn a_consent_looked_up_through_a_reference_is_proven() {
    proven("segment s = accounts.post_ok audience post");
    assert_eq!(
        findings("segment s = accounts.post_ok or revenue > 5 audience post"),
        ["E1705 Branch `revenue > 5` via []"]
    );
}

#[test]
fn declarations_are_checked() {
    assert_eq!(findings("segment s = opted_in audience emial"), ["E1701"]);
    assert_eq!(findings("segment s = opted_in audience phone"), ["E1704"]);
    // Not a bool; on a source no member reaches.
    let text = "source other from csv \"o.csv\" {\n  key id: int\n  n: int consent phone\n  again: bool consent email\n}\n";
    assert_eq!(findings(text), ["E1702", "E1706"]);
    let twice = "source c from csv \"c.csv\" {\n  key id: int\n  a: bool consent email\n  b: bool? consent email\n}\npopulation c\nsegment s = a audience email\n";
    assert_eq!(findings_in(twice), ["E1703"]);
}

#[test]
fn a_segment_with_a_holdout_is_proven_through_its_condition() {
    proven("segment s = opted_in and revenue > 1 holdout 10% seed \"x\" audience email");
    assert_eq!(
        findings("segment s = revenue > 1 holdout 10% seed \"x\" audience email"),
        ["E1705 Condition `revenue > 1 holdout 10% seed \"x\"` via []"]
    );
}

#[test]
fn a_literal_that_is_never_true_admits_nobody() {
    proven("segment s = false audience email");
    proven("segment s = not true or (opted_in and revenue > 1) audience email");
}
