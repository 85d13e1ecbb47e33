//! A shared secret between a client and its workers: with `SEGC_CLUSTER_TOKEN` set, a
//! `segc worker` answers only requests that carry it (`authorization: Bearer TOKEN`), and every
//! segc process that talks to workers (a client, or a worker reading another's shuffle) sends
//! the token of its own environment with every request. A worker runs whatever plan it is
//! sent, reading what its user can read: the token keeps other clients on the network out. It
//! is read from the environment only, never from segc.toml or the command line, and never shown.

use std::sync::LazyLock;
use std::task::{Context, Poll};

use datafusion::error::DataFusionError;
use datafusion_distributed::grpc::{
    BoxCloneSyncChannel, DefaultChannelResolver, create_worker_client,
};
use datafusion_distributed::{ChannelResolver, WorkerChannel};
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::codegen::http::{self, HeaderValue, header::AUTHORIZATION};
use tonic::{Request, Status};
use url::Url;

/// The environment variable holding the token.
pub const TOKEN_VARIABLE: &str = "SEGC_CLUSTER_TOKEN";

/// What a worker says to a request without the right token: the client recognizes it
/// (`Cluster::failure`, E1807).
pub const REFUSED: &str = "segc worker: missing or wrong SEGC_CLUSTER_TOKEN";

/// `authorization: Bearer TOKEN` of this process's environment, when the token is set.
fn header() -> Option<HeaderValue> {
    static HEADER: LazyLock<Option<HeaderValue>> = LazyLock::new(|| {
        let token = std::env::var(TOKEN_VARIABLE).ok()?;
        let token = token.trim();
        if token.is_empty() {
            return None;
        }
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    });
    HEADER.clone()
}

/// Whether this process has a token to require or to send.
pub fn configured() -> bool {
    header().is_some()
}

/// The check a worker makes of each request: the token of its environment, when set.
pub fn check(request: Request<()>) -> Result<Request<()>, Status> {
    let Some(expected) = header() else {
        return Ok(request);
    };
    let given = request.metadata().get(AUTHORIZATION.as_str());
    match given.is_some_and(|g| same(g.as_bytes(), expected.as_bytes())) {
        true => Ok(request),
        false => Err(Status::unauthenticated(REFUSED)),
    }
}

/// Compares without stopping at the first difference: the time taken says nothing of the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The channels of this process to the workers, shared by every session (one connection per
/// worker, as datafusion-distributed's default resolver keeps them).
static CHANNELS: LazyLock<DefaultChannelResolver> = LazyLock::new(DefaultChannelResolver::default);

/// The channel to the worker at `url`, sending the token with every request.
pub async fn channel(url: &Url) -> Result<WithToken, DataFusionError> {
    let inner = CHANNELS.get_channel(url).await?;
    Ok(WithToken {
        inner,
        token: header(),
    })
}

/// Workers' clients over [`channel`]s: what sessions that talk to workers resolve them with.
pub struct TokenChannels;

#[async_trait::async_trait]
impl ChannelResolver for TokenChannels {
    async fn get_worker_client_for_url(
        &self,
        url: &Url,
    ) -> Result<Box<dyn WorkerChannel>, DataFusionError> {
        let channel = channel(url).await?;
        Ok(create_worker_client(BoxCloneSyncChannel::new(channel)))
    }
}

/// A channel that adds the token to every request.
#[derive(Clone)]
pub struct WithToken {
    inner: BoxCloneSyncChannel,
    token: Option<HeaderValue>,
}

impl Service<http::Request<Body>> for WithToken {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = <BoxCloneSyncChannel as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        if let Some(token) = &self.token {
            request.headers_mut().insert(AUTHORIZATION, token.clone());
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"Bearer abc", b"Bearer abc"));
        assert!(!same(b"Bearer abc", b"Bearer abd"));
        assert!(!same(b"Bearer abc", b"Bearer abcd"));
        assert!(!same(b"", b"Bearer"));
    }
}
