//! Running segc's plans on a cluster (docs/cluster.md): the workers' addresses as given
//! (`--cluster`, segc.toml `[cluster] workers`), checked before anything runs; with the
//! `cluster` feature, the session that distributes the plans over them
//! (`distributed.rs`, datafusion-distributed) and the worker process `segc worker` that
//! executes their stages (`worker.rs`). The engine stays the same: the client plans and
//! coordinates, the workers scan, filter, join and aggregate; the client receives the members
//! and writes the outputs as a local run does, or, with `--out` in object storage, the workers
//! write them in parts (`engine::parts`) and the client receives one row per part.

#[cfg(feature = "cluster")]
mod distributed;
#[cfg(feature = "cluster")]
mod progress;
#[cfg(feature = "cluster")]
mod sendable;
#[cfg(feature = "cluster")]
mod stores;
#[cfg(feature = "cluster")]
mod token;
#[cfg(feature = "cluster")]
mod worker;

#[cfg(feature = "cluster")]
pub use distributed::{display_plan, distributed_state, portable, send_storage};
#[cfg(feature = "cluster")]
pub use progress::{StageWatch, distributed};
#[cfg(feature = "cluster")]
pub use sendable::unsendable;
#[cfg(feature = "cluster")]
pub use token::TOKEN_VARIABLE;
#[cfg(feature = "cluster")]
pub use worker::serve;

use std::time::Duration;

use url::Url;

use crate::diagnostics::{ClusterDiagnostic, Diagnostic};

/// Whether this segc was built with the `cluster` feature.
pub const BUILT: bool = cfg!(feature = "cluster");

/// How long a worker may take to accept a connection before a run counts it unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The workers a command runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Their URLs (`http://HOST:PORT`), in the order given.
    pub workers: Vec<Url>,
    /// Bytes of input files per task (default: the engine's, 16 MiB): smaller splits small
    /// data over the workers too.
    pub split_bytes: Option<usize>,
}

impl Cluster {
    /// The workers given as `http://HOST:PORT` (or `HOST:PORT`): E1803 for each that is not
    /// one. `None` when none is given.
    pub fn parse(
        given: &[String],
        split_bytes: Option<usize>,
    ) -> Result<Option<Self>, Vec<Diagnostic>> {
        let mut workers = Vec::new();
        let mut problems = Vec::new();
        for text in given.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            match worker_url(text) {
                Ok(url) if !workers.contains(&url) => workers.push(url),
                Ok(_) => {}
                Err(message) => problems.push(Diagnostic::Cluster(ClusterDiagnostic::BadUrl {
                    given: text.to_string(),
                    message,
                })),
            }
        }
        match (problems.is_empty(), workers.is_empty()) {
            (false, _) => Err(problems),
            (true, true) => Ok(None),
            (true, false) => Ok(Some(Cluster {
                workers,
                split_bytes,
            })),
        }
    }

    /// The workers that do not accept a connection now, with the system's message: E1801
    /// each, before a run touches anything.
    pub fn unreachable(&self) -> Vec<Diagnostic> {
        self.workers
            .iter()
            .filter_map(|url| {
                probe(url).err().map(|message| {
                    Diagnostic::Cluster(ClusterDiagnostic::Unreachable {
                        url: shown(url),
                        message,
                    })
                })
            })
            .collect()
    }

    /// `problem`, met while plans ran on the workers, as the cluster's problem when it is
    /// one: E1802 naming the workers that no longer answer (or the one the engine's message
    /// names), E1806 when a plan could not be sent, E0719 or E0720 when a worker's object store
    /// failed. Other problems are kept.
    pub fn failure(&self, problem: Diagnostic) -> Diagnostic {
        use crate::diagnostics::{DataDiagnostic, InternalDiagnostic};
        if let Diagnostic::Data(DataDiagnostic::DataError { span, message }) = &problem
            && let Some(store) = crate::engine::worker_store_problem(*span, message)
        {
            return store;
        }
        let message = match &problem {
            Diagnostic::Data(
                DataDiagnostic::DataError { message, .. }
                | DataDiagnostic::SystemIo { message }
                | DataDiagnostic::EngineFailed { message },
            ) => message.clone(),
            Diagnostic::Internal(InternalDiagnostic::PlanFailed { message, .. }) => {
                if message.contains("odec") || message.contains("serializ") {
                    return Diagnostic::Cluster(ClusterDiagnostic::NotDistributable {
                        message: message.clone(),
                    });
                }
                message.clone()
            }
            _ => return problem,
        };
        // The words of a worker refusing a request without its token (`token::REFUSED`).
        if message.contains("missing or wrong SEGC_CLUSTER_TOKEN") {
            let urls = self.workers.iter().map(shown).collect();
            return Diagnostic::Cluster(ClusterDiagnostic::Refused { urls });
        }
        let transport = TRANSPORT_WORDS.iter().any(|w| message.contains(w));
        let mut urls = self.down();
        // A killed worker's connections reset while the system is still closing its listening
        // socket: a probe at that instant connects (seen once in the kill test, under CI);
        // the probes allow half a second for the teardown.
        for _ in 0..LOST_PROBES {
            if !urls.is_empty() || !transport {
                break;
            }
            std::thread::sleep(LOST_PROBE_GAP);
            urls = self.down();
        }
        if urls.is_empty() {
            urls = self
                .workers
                .iter()
                .map(shown)
                .filter(|url| message.contains(url.as_str()))
                .collect();
        }
        match urls.is_empty() && !transport {
            true => problem,
            false => Diagnostic::Cluster(ClusterDiagnostic::Lost { urls, message }),
        }
    }

    /// The workers that do not accept a connection now, as messages show them (blocking: run
    /// only once a run has failed).
    fn down(&self) -> Vec<String> {
        self.workers
            .iter()
            .filter(|url| probe(url).is_err())
            .map(shown)
            .collect()
    }
}

/// Words of the messages of a connection to a worker that failed (tonic's, hyper's, the
/// system's), as opposed to a problem with the data a worker read.
/// How many times, [`LOST_PROBE_GAP`] apart, the workers are probed again after a transport
/// error when none was found down at once.
const LOST_PROBES: usize = 5;
const LOST_PROBE_GAP: std::time::Duration = std::time::Duration::from_millis(100);

const TRANSPORT_WORDS: &[&str] = &[
    "Distributed DataFusion worker",
    "transport error",
    "h2 protocol error",
    "Connection reset",
    "connection reset",
    "Broken pipe",
    "broken pipe",
    "Connection refused",
    "error reading a body",
];

/// A worker's URL as messages show it (without the trailing `/` the parser adds).
pub fn shown(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// `text` as a worker URL, or why it is not one.
fn worker_url(text: &str) -> Result<Url, String> {
    let full = match text.contains("://") {
        true => text.to_string(),
        false => format!("http://{text}"),
    };
    let url = Url::parse(&full).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme `{}` is not http", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it names no host".into());
    }
    if url.port().is_none() {
        return Err("it names no port".into());
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() {
        return Err("a worker URL has no path".into());
    }
    Ok(url)
}

/// Connects to the worker at `url` and closes the connection: whether it listens.
fn probe(url: &Url) -> Result<(), String> {
    use std::net::ToSocketAddrs as _;
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let port = url.port().unwrap_or(80);
    let addresses = (host, port).to_socket_addrs().map_err(|e| e.to_string())?;
    let mut last = format!("`{host}` has no address");
    for address in addresses {
        match std::net::TcpStream::connect_timeout(&address, PROBE_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_are_urls_with_a_host_and_a_port() {
        let given = |list: &[&str]| {
            let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            Cluster::parse(&list, None)
        };
        let cluster = given(&["127.0.0.1:7001", "http://node2:7002/", "127.0.0.1:7001"])
            .expect("valid")
            .expect("some");
        let shown: Vec<String> = cluster.workers.iter().map(shown).collect();
        assert_eq!(shown, ["http://127.0.0.1:7001", "http://node2:7002"]);
        assert_eq!(given(&[]).expect("valid"), None);
        for bad in ["ftp://node:1", "node", "http://node:1/path", "http://:1"] {
            assert!(given(&[bad]).is_err(), "{bad}");
        }
    }
}
