//! Running on a cluster (`E18xx`): `segc worker` and `--cluster` (docs/cluster.md). Every one
//! is the environment's problem (exit 2): the rules run locally as they are.

use super::codes::Code::*;
use super::describe::{Describe, Description};

/// A problem with the cluster a command runs on, or with a `segc worker`.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterDiagnostic {
    /// A worker that did not answer before anything ran (E1801).
    Unreachable {
        /// The worker's URL.
        url: String,
        /// The system's message.
        message: String,
    },
    /// A worker lost while the plans ran (E1802).
    Lost {
        /// The workers that no longer answer (empty: they answer again, the engine's message
        /// names what failed).
        urls: Vec<String>,
        /// The engine's message.
        message: String,
    },
    /// A worker address that is not an `http://HOST:PORT` URL (E1803).
    BadUrl {
        /// The address as given.
        given: String,
        /// Why it is not one.
        message: String,
    },
    /// `--cluster` or `[cluster] workers` with a segc built without the `cluster` feature
    /// (E1804).
    NotBuilt,
    /// `segc worker` cannot listen on its address (E1805).
    CannotListen {
        /// The address.
        address: String,
        /// The system's message.
        message: String,
    },
    /// Workers that refused the requests of this client: it lacks their token (E1807).
    Refused {
        /// The workers of the run.
        urls: Vec<String>,
    },
    /// A plan the engine cannot send to the workers (E1806).
    NotDistributable {
        /// The engine's message.
        message: String,
    },
}

impl ClusterDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use ClusterDiagnostic::*;
        const NOTHING: &str = "nothing was written";
        match self {
            Unreachable { url, message } => d
                .code(E1801)
                .message(|| format!("cluster worker {url} cannot be reached: {message}"))
                .help(|| format!("start `segc worker --listen HOST:PORT` there, or leave it out of --cluster and `[cluster] workers`; {NOTHING}")),
            Lost { urls, message } => d
                .code(E1802)
                .message(|| match urls.as_slice() {
                    [] => format!("a cluster worker failed during the run: {message}"),
                    [url] => format!("cluster worker {url} was lost during the run: {message}"),
                    _ => format!("cluster workers {} were lost during the run: {message}", urls.join(", ")),
                })
                .help(|| format!("restart the worker (or run without it) and run again; {NOTHING}")),
            BadUrl { given, message } => d
                .code(E1803)
                .message(|| format!("cluster worker `{given}` is not a worker URL: {message}"))
                .help(|| "give each worker as http://HOST:PORT, separated by commas"),
            NotBuilt => d
                .code(E1804)
                .message(|| "this segc was built without cluster support")
                .help(|| "build segc with its default features (`cargo build --release`, without `--no-default-features`), or run without --cluster and `[cluster] workers`"),
            CannotListen { address, message } => d
                .code(E1805)
                .message(|| format!("segc worker cannot listen on {address}: {message}"))
                .help(|| "give a free HOST:PORT this machine owns (port 0 picks a free one)"),
            Refused { urls } => d
                .code(E1807)
                .message(|| format!("cluster workers refused this client's requests (one of {}): they require SEGC_CLUSTER_TOKEN", urls.join(", ")))
                .help(|| format!("set SEGC_CLUSTER_TOKEN in this environment to the workers' token; {NOTHING}")),
            NotDistributable { message } => d
                .code(E1806)
                .message(|| format!("the plan cannot be sent to the cluster workers: {message}"))
                .help(|| format!("run it without --cluster, and report it; {NOTHING}")),
        }
    }

    /// This problem with `r` applied to the engine's and the system's messages (they may
    /// name paths): what the engine redacts.
    pub fn map_texts(self, r: impl Fn(String) -> String) -> Self {
        use ClusterDiagnostic::*;
        match self {
            Lost { urls, message } => Lost {
                urls,
                message: r(message),
            },
            NotDistributable { message } => NotDistributable {
                message: r(message),
            },
            other => other,
        }
    }
}
