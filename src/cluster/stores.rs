//! Object storage on the workers: the client sends its segc.toml `[storage]` settings (never
//! credentials: `StorageSettings` holds none, E0807 refuses them in segc.toml) with every plan,
//! in gRPC headers (`SentStorage`, a DataFusion config extension datafusion-distributed
//! propagates); a worker gives each query a runtime whose object store registry builds the
//! store of a remote URL on first use, from those settings and the worker's own environment
//! (its credentials), as the client builds its own (`engine::stores`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, LazyLock, Mutex, RwLock};

use datafusion::common::extensions_options;
use datafusion::config::ConfigExtension;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use object_store::ObjectStore;
use url::Url;

use crate::engine::{Cloud, StorageSettings};

extensions_options! {
    /// segc.toml `[storage]` as the client sends it to the workers with each plan.
    pub struct SentStorage {
        /// The settings as JSON, with every character past ASCII escaped (gRPC header values
        /// are ASCII); empty: the defaults.
        pub settings: String, default = String::new()
    }
}

impl ConfigExtension for SentStorage {
    const PREFIX: &'static str = "segc_storage";
}

impl SentStorage {
    /// `settings`, ready to send.
    pub fn of(settings: &StorageSettings) -> Result<Self> {
        let json = serde_json::to_string(settings)
            .map_err(|e| DataFusionError::Internal(format!("storage settings: {e}")))?;
        Ok(SentStorage {
            settings: ascii_json(&json),
        })
    }

    /// The settings sent.
    fn received(&self) -> Result<StorageSettings> {
        if self.settings.is_empty() {
            return Ok(StorageSettings::default());
        }
        serde_json::from_str(&self.settings).map_err(|e| {
            DataFusionError::Plan(format!(
                "the client's storage settings cannot be read ({e}): is it the same segc version?"
            ))
        })
    }
}

/// `json` with every character past ASCII as a `\uXXXX` escape: serde_json writes them only
/// inside strings, where the escape means the same.
fn ascii_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
    out
}

/// The stores the worker built, by the settings' text and the store's URL (scheme and
/// bucket): kept for the life of the process, so that the tasks of a run (and later runs)
/// share connections instead of building a store, and fetching credentials, per task.
static BUILT: LazyLock<Mutex<Built>> = LazyLock::new(Mutex::default);

/// Stores by the settings' text and the store's URL.
type Built = HashMap<(String, String), Arc<dyn ObjectStore>>;

/// A query's runtime: `base`'s (memory pool, disk manager, caches), with an object store
/// registry that builds the store of any remote URL from the settings `sent` by the client.
pub fn query_runtime(base: &RuntimeEnv, sent: &SentStorage) -> Result<Arc<RuntimeEnv>> {
    let registry = LazyStores {
        key: sent.settings.clone(),
        settings: sent.received()?,
        base: Arc::clone(&base.object_store_registry),
        registered: RwLock::default(),
    };
    RuntimeEnvBuilder::from_runtime_env(base)
        .with_object_store_registry(Arc::new(registry))
        .build_arc()
}

/// The part of `url` that names its store: scheme, user (an `abfss://` container), host and
/// port (`engine::stores::store_url` leaves the user out: two containers of one account
/// would share a store).
fn authority(url: &Url) -> String {
    url[..url::Position::AfterPort].to_string()
}

/// An object store registry that builds remote stores lazily (see [`query_runtime`]).
struct LazyStores {
    key: String,
    settings: StorageSettings,
    /// The worker's own registry: local files.
    base: Arc<dyn ObjectStoreRegistry>,
    /// Stores registered during the query, which take precedence.
    registered: RwLock<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl std::fmt::Debug for LazyStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyStores").finish_non_exhaustive()
    }
}

impl LazyStores {
    /// The store of `url`, built and kept on first use when its scheme is a remote one.
    fn remote(&self, cloud: Cloud, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let key = (self.key.clone(), authority(url));
        // A poisoned lock only means another task panicked while inserting: the map is whole.
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = built.get(&key) {
            return Ok(Arc::clone(store));
        }
        let store = self
            .settings
            .store(cloud, url)
            .map_err(|e| DataFusionError::ObjectStore(Box::new(e)))?;
        built.insert(key, Arc::clone(&store));
        Ok(store)
    }
}

impl ObjectStoreRegistry for LazyStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        let mut registered = self.registered.write().unwrap_or_else(|e| e.into_inner());
        registered.insert(authority(url), store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let mut registered = self.registered.write().unwrap_or_else(|e| e.into_inner());
        match registered.remove(&authority(url)) {
            Some(store) => Ok(store),
            None => self.base.deregister_store(url),
        }
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let registered = self.registered.read().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = registered.get(&authority(url)) {
            return Ok(Arc::clone(store));
        }
        drop(registered);
        match Cloud::of_scheme(url.scheme()) {
            Some(cloud) if url.host_str().is_some_and(|h| !h.is_empty()) => self.remote(cloud, url),
            _ => self.base.get_store(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> StorageSettings {
        let mut settings = StorageSettings::default();
        settings.s3.endpoint = Some("http://127.0.0.1:1".into());
        settings.s3.region = Some("eu-west-3".into());
        settings.s3.allow_http = Some(true);
        settings.azure.account = Some("devstoreaccount1".into());
        settings.retries = Some(1);
        settings
    }

    #[test]
    fn settings_travel_as_ascii_and_come_back_whole() {
        let mut settings = settings();
        settings.s3.region = Some("région-🦀".into());
        let sent = SentStorage::of(&settings).expect("sent");
        assert!(sent.settings.is_ascii(), "{}", sent.settings);
        assert_eq!(sent.received().expect("read"), settings);
        let defaults = SentStorage::default();
        assert_eq!(
            defaults.received().expect("read"),
            StorageSettings::default()
        );
    }

    #[test]
    fn settings_go_through_the_headers_datafusion_distributed_sends() {
        use datafusion::prelude::SessionConfig;
        use datafusion_distributed::DistributedExt as _;
        use tonic::codegen::http;
        let sent = SentStorage::of(&settings()).expect("sent");
        let client = SessionConfig::new().with_distributed_option_extension(sent.clone());
        let mut headers = http::HeaderMap::new();
        for (prefix, extension) in client.options().extensions.iter() {
            for entry in extension.entries() {
                let name = format!("x-datafusion-distributed-config-{prefix}.{}", entry.key);
                let value = entry.value.expect("a value");
                headers.insert(
                    http::HeaderName::try_from(name).expect("name"),
                    value.parse().expect("an ASCII value"),
                );
            }
        }
        let worker = SessionConfig::new()
            .with_distributed_option_extension_from_headers::<SentStorage>(&headers)
            .expect("read");
        let got = worker
            .options()
            .extensions
            .get::<SentStorage>()
            .expect("sent");
        assert_eq!(got.received().expect("read"), settings());
    }

    #[test]
    fn every_remote_scheme_gets_a_store_and_local_files_keep_the_workers() {
        let base = RuntimeEnv::default();
        let runtime =
            query_runtime(&base, &SentStorage::of(&settings()).expect("sent")).expect("runtime");
        let store = |runtime: &RuntimeEnv, url: &str| {
            let url = datafusion::execution::object_store::ObjectStoreUrl::parse(url).expect("url");
            runtime.object_store(url)
        };
        for url in [
            "s3://lake/",
            "s3a://lake/",
            "az://lake/",
            "abfss://lake@account.dfs.core.windows.net/",
            "gs://lake/",
            "https://example.com/",
            "file:///",
        ] {
            assert!(store(&runtime, url).is_ok(), "{url}");
        }
        // Built once, then shared by later queries with the same settings.
        let again =
            query_runtime(&base, &SentStorage::of(&settings()).expect("sent")).expect("runtime");
        let (one, two) = (store(&runtime, "s3://lake/"), store(&again, "s3://lake/"));
        assert!(Arc::ptr_eq(&one.expect("store"), &two.expect("store")));
        assert!(store(&runtime, "hdfs://x/").is_err());
        let (one, two) = (
            store(&runtime, "abfss://one@account.dfs.core.windows.net/"),
            store(&runtime, "abfss://two@account.dfs.core.windows.net/"),
        );
        assert!(!Arc::ptr_eq(&one.expect("store"), &two.expect("store")));
    }
}
