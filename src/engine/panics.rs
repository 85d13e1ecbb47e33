//! Panics of the data readers, contained: a corrupt file is a diagnostic naming it, not a crash.
//!
//! The Parquet crate panics on some corrupt files (a flipped byte in a page, a footer length of
//! `0x7fffffff`: see docs/robustness.md). DataFusion runs readers on tasks and resumes their
//! panics where the output stream is polled, so wrapping the polling future contains them.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use futures::FutureExt;

/// Where and why the first panic not yet reported happened, as recorded by the hook of
/// [`install_hook`].
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// A panic caught while reading data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// The panic's message, with where it happened when the hook recorded it.
    pub message: String,
}

impl std::fmt::Display for Panic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the reader stopped on malformed data ({})", self.message)
    }
}

/// Records panics instead of printing them: a contained panic becomes a diagnostic, and an
/// uncontained one is printed once by the command line ([`last_panic`]).
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", short_path(l.file()), l.line()))
            .unwrap_or_default();
        let text = format!("{}{place}", payload_text(info.payload()));
        // The first panic is the cause: a task's panic is often re-raised by the code that
        // awaited it (`Shared` futures, joins), which panics again with a message of its own.
        if let Ok(mut last) = LAST_PANIC.lock() {
            last.get_or_insert(text);
        }
    }));
}

/// The first panic recorded by the hook since the last call, if any (taken: it is reported once).
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().ok().and_then(|mut last| last.take())
}

/// Runs `future`, turning a panic inside it into an error.
pub(crate) async fn contained<F: Future>(future: F) -> Result<F::Output, Panic> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(|payload| {
            let message = last_panic().unwrap_or_else(|| payload_text(payload.as_ref()));
            Panic { message }
        })
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "no message".to_string()
    }
}

/// A source path from the registry (`…/registry/src/…/parquet-59.3.2/src/x.rs`) from its crate on.
fn short_path(file: &str) -> &str {
    file.rfind("/src/")
        .and_then(|src| file[..src].rfind('/').map(|start| &file[start + 1..]))
        .unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors_with_their_message() {
        let caught: Result<(), Panic> =
            futures::executor::block_on(contained(async { panic!("bad page {}", 3) }));
        let message = caught.expect_err("caught").message;
        assert!(message.contains("bad page 3"), "{message}");
        let fine = futures::executor::block_on(contained(async { 7 }));
        assert_eq!(fine.ok(), Some(7));
    }

    #[test]
    fn crate_paths_are_shortened() {
        assert_eq!(
            short_path("/r/registry/src/index/parquet-59.3.2/src/bytes.rs"),
            "parquet-59.3.2/src/bytes.rs"
        );
        assert_eq!(short_path("bytes.rs"), "bytes.rs");
    }
}
