//! `segc worker`: an Arrow Flight server executing the stages of segc's plans that clients
//! send (datafusion-distributed's `Worker`), with every function segc's plans call
//! registered by name and segc's engine settings.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use datafusion::logical_expr::ScalarUDF;
use datafusion_distributed::{DistributedExt as _, Worker, WorkerQueryContext, WorkerResolver};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use super::stores::{SentStorage, query_runtime};
use crate::diagnostics::{ClusterDiagnostic, Diagnostic};
use crate::engine::parts::PartsCodec;

/// segc's functions, made once: every query a worker runs registers them (about 4000, most
/// of them `segc_ntileN` variants, which cost a hash map insertion each).
static FUNCTIONS: LazyLock<Vec<Arc<ScalarUDF>>> =
    LazyLock::new(|| crate::functions::all().into_iter().map(Arc::new).collect());

/// Listens on `listen` (`HOST:PORT`; port 0 picks a free one), calls `ready` with the address
/// listened on, and serves until the process ends. E1805 when it cannot listen.
pub async fn serve(listen: &str, ready: impl FnOnce(SocketAddr)) -> Result<(), Diagnostic> {
    let cannot = |message: String| {
        Diagnostic::Cluster(ClusterDiagnostic::CannotListen {
            address: listen.to_string(),
            message,
        })
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| cannot(e.to_string()))?;
    let address = listener.local_addr().map_err(|e| cannot(e.to_string()))?;
    let worker = Worker::from_session_builder(session);
    // The tasks it runs and their rows, for the clients' progress lines (`StageWatch`).
    let observability = worker.with_observability_service(Arc::new(NoWorkers));
    ready(address);
    if !super::token::configured() {
        eprintln!(
            "segc worker: {} is not set: any client that reaches this port can run plans here (docs/cluster.md)",
            super::token::TOKEN_VARIABLE
        );
    }
    // Every request checked for the token of this worker's environment, when it has one.
    Server::builder()
        .layer(tonic::service::InterceptorLayer::new(super::token::check))
        .add_service(observability)
        .add_service(worker.into_worker_server())
        .serve_with_incoming(TcpIncoming::from(listener))
        .await
        .map_err(|e| cannot(e.to_string()))
}

/// A worker knows no other workers: clients name them (`--cluster`).
struct NoWorkers;

impl WorkerResolver for NoWorkers {
    fn get_urls(&self) -> Result<Vec<url::Url>, DataFusionError> {
        Ok(Vec::new())
    }
}

/// The session a query's stage runs in: segc's functions and settings, the codec of segc's own
/// node (members written in parts), and the object stores of the client's storage settings
/// (`stores.rs`).
async fn session(ctx: WorkerQueryContext) -> Result<SessionState, DataFusionError> {
    let mut builder = ctx
        .builder
        .with_distributed_user_codec(PartsCodec)
        // Shuffles read from other workers with the token of this worker's environment.
        .with_distributed_channel_resolver(super::token::TokenChannels)
        .with_distributed_option_extension_from_headers::<SentStorage>(&ctx.headers)?;
    if let Some(config) = builder.config() {
        crate::engine::segc_settings(config.options_mut());
    }
    let sent = builder
        .config()
        .as_ref()
        .and_then(|c| c.options().extensions.get::<SentStorage>().cloned())
        .unwrap_or_default();
    let base = builder.runtime_env().clone().unwrap_or_default();
    builder = builder.with_runtime_env(query_runtime(&base, &sent)?);
    // Added to DataFusion's own functions (`with_scalar_functions` would replace them).
    builder
        .scalar_functions()
        .get_or_insert_default()
        .extend(FUNCTIONS.iter().cloned());
    Ok(builder.build())
}
