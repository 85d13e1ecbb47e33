//! Object stores for remote locations (S3, Azure Blob Storage and Data Lake, Google Cloud
//! Storage, HTTP), registered on the session per bucket as datafusion-cli does.
//!
//! Credentials come from each cloud's usual environment variables only (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AZURE_STORAGE_ACCOUNT_KEY`,
//! `AZURE_STORAGE_SAS_KEY`, `GOOGLE_APPLICATION_CREDENTIALS`, ...), read by `object_store`'s
//! `from_env` builders; segc.toml `[storage]` holds the settings that are not secret (endpoint,
//! region, path-style requests, plain HTTP for local emulators, retries), which override the
//! environment's. The engine's remote steps live here too: registering a location's store,
//! refusing outputs inside remote sources, publishing outputs (`remote_out`).

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use serde::{Deserialize, Serialize};
use url::Url;

use super::location::{self, Resolved};
use super::{OutputSpec, Published, Summary, remote_out};
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir;
use crate::span::Span;

/// segc.toml's `[storage]`: settings of the object stores that are not secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// How many times a failed request is retried (default 4), with exponential backoff.
    pub retries: Option<usize>,
    /// Seconds after the first attempt past which a request is no longer retried (default 60).
    pub retry_seconds: Option<u64>,
    /// `s3://` and `s3a://` locations.
    #[serde(default)]
    pub s3: S3Settings,
    /// `az://`, `azure://`, `abfs://`, `abfss://` and `adl://` locations.
    #[serde(default)]
    pub azure: AzureSettings,
    /// `gs://` locations.
    #[serde(default)]
    pub gcs: GcsSettings,
}

/// `[storage.s3]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The endpoint (an S3-compatible server, or a local emulator).
    pub endpoint: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// Plain `http://` endpoints allowed (local emulators).
    pub allow_http: Option<bool>,
    /// Requests name the bucket in the path (`endpoint/bucket/key`), as most S3-compatible
    /// servers expect, rather than in the host name.
    pub path_style: Option<bool>,
    /// Anonymous requests, for public buckets.
    pub anonymous: Option<bool>,
}

/// `[storage.azure]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AzureSettings {
    /// The storage account's name (not a secret; its key is).
    pub account: Option<String>,
    /// The endpoint (a local emulator such as azurite: `http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: Option<String>,
    /// Plain `http://` endpoints allowed (local emulators).
    pub allow_http: Option<bool>,
    /// Anonymous requests, for public containers.
    pub anonymous: Option<bool>,
}

/// `[storage.gcs]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GcsSettings {
    /// The endpoint (a local emulator).
    pub endpoint: Option<String>,
    /// Anonymous requests, for public buckets and local emulators.
    pub anonymous: Option<bool>,
}

/// Names of settings that hold secrets: refused in segc.toml (E0807), which is committed to git.
pub const SECRET_SETTINGS: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "token",
    "account_key",
    "access_key",
    "key",
    "sas_token",
    "sas_key",
    "client_secret",
    "service_account_key",
    "password",
    "bearer_token",
    "credentials",
];

/// The kinds of remote locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Amazon S3 and S3-compatible servers.
    S3,
    /// Azure Blob Storage and Data Lake Storage.
    Azure,
    /// Google Cloud Storage.
    Gcs,
    /// Plain web servers (single files; HTTP cannot list folders).
    Http,
}

impl Cloud {
    /// The kind of store a URL scheme names, if segc reads from it.
    pub fn of_scheme(scheme: &str) -> Option<Cloud> {
        match scheme {
            "s3" | "s3a" => Some(Cloud::S3),
            "az" | "azure" | "abfs" | "abfss" | "adl" => Some(Cloud::Azure),
            "gs" => Some(Cloud::Gcs),
            "http" | "https" => Some(Cloud::Http),
            _ => None,
        }
    }
}

/// The part of `url` a store is registered under: scheme and host (the bucket or container, or
/// the web server).
pub fn store_url(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

impl StorageSettings {
    fn retry(&self) -> RetryConfig {
        RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: self.retries.unwrap_or(4),
            retry_timeout: Duration::from_secs(self.retry_seconds.unwrap_or(60)),
        }
    }

    /// The store for `url`'s bucket (or container, or web server).
    pub fn store(&self, cloud: Cloud, url: &Url) -> object_store::Result<Arc<dyn ObjectStore>> {
        let base = store_url(url);
        Ok(match cloud {
            Cloud::S3 => {
                let s3 = &self.s3;
                let mut builder = AmazonS3Builder::from_env()
                    .with_url(base)
                    .with_retry(self.retry());
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                if let Some(allow) = s3.allow_http {
                    builder = builder.with_allow_http(allow);
                }
                if let Some(path_style) = s3.path_style {
                    builder = builder.with_virtual_hosted_style_request(!path_style);
                }
                if let Some(anonymous) = s3.anonymous {
                    builder = builder.with_skip_signature(anonymous);
                }
                Arc::new(builder.build()?)
            }
            Cloud::Azure => {
                let azure = &self.azure;
                let mut builder = MicrosoftAzureBuilder::from_env()
                    .with_url(url.as_str())
                    .with_retry(self.retry());
                if let Some(account) = &azure.account {
                    builder = builder.with_account(account);
                }
                if let Some(endpoint) = &azure.endpoint {
                    builder = builder.with_endpoint(endpoint.clone());
                }
                if let Some(allow) = azure.allow_http {
                    builder = builder.with_allow_http(allow);
                }
                if let Some(anonymous) = azure.anonymous {
                    builder = builder.with_skip_signature(anonymous);
                }
                Arc::new(builder.build()?)
            }
            Cloud::Gcs => {
                let gcs = &self.gcs;
                let mut builder = GoogleCloudStorageBuilder::from_env()
                    .with_url(base)
                    .with_retry(self.retry());
                if let Some(endpoint) = &gcs.endpoint {
                    builder = builder.with_base_url(endpoint);
                }
                if let Some(anonymous) = gcs.anonymous {
                    builder = builder.with_skip_signature(anonymous);
                }
                Arc::new(builder.build()?)
            }
            Cloud::Http => Arc::new(
                HttpBuilder::new()
                    .with_url(base)
                    .with_retry(self.retry())
                    // The location says `http://`: that is the user's choice, not a downgrade.
                    .with_client_options(ClientOptions::new().with_allow_http(true))
                    .build()?,
            ),
        })
    }
}

/// The diagnostic for a store's error about the source at `span` read from `location` (as
/// shown): a missing object is no data (E0701), refused credentials E0719, anything else E0720.
pub(super) fn problem(span: Span, location: &str, error: &object_store::Error) -> Diagnostic {
    let location = location.to_string();
    // A missing bucket or container answers a listing with a 404 that the stores report as a
    // generic error: it is no data, like a missing object.
    let text = error.to_string();
    let no_bucket = [
        "NoSuchBucket",
        "ContainerNotFound",
        "The specified bucket does not exist",
    ]
    .iter()
    .any(|code| text.contains(code));
    match error {
        object_store::Error::NotFound { .. } => {
            Diagnostic::Data(DataDiagnostic::DataNotFound { span, location })
        }
        _ if no_bucket => Diagnostic::Data(DataDiagnostic::DataNotFound { span, location }),
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            Diagnostic::Data(DataDiagnostic::StorageRefused {
                span,
                location,
                message: super::messages::one_line(&error.to_string()),
            })
        }
        _ => Diagnostic::Data(DataDiagnostic::StorageFailed {
            span,
            location,
            message: super::messages::one_line(&error.to_string()),
        }),
    }
}

/// A store's error that a cluster worker met, in `message` as it came back to the client:
/// the Parquet reader keeps only the text of the error it wraps, so the kind is read from the
/// words object_store writes. E0719 for refused credentials, else E0720; `None` without one.
pub fn worker_store_problem(span: Span, message: &str) -> Option<Diagnostic> {
    // The whole message: what comes before the store's error names the file.
    message.split_once("Object Store error: ")?;
    let message = super::messages::one_line(message);
    let location = "remote data on the workers".to_string();
    let refused = [
        "lacked the necessary privileges",
        "lacked valid authentication credentials",
    ];
    Some(Diagnostic::Data(
        match refused.iter().any(|w| message.contains(w)) {
            true => DataDiagnostic::StorageRefused {
                span,
                location,
                message,
            },
            false => DataDiagnostic::StorageFailed {
                span,
                location,
                message,
            },
        },
    ))
}

/// The store's error in `error`'s chain of causes, as its diagnostic ([`problem`]).
pub(super) fn remote_problem(
    span: Span,
    location: &str,
    error: &datafusion::error::DataFusionError,
) -> Option<Diagnostic> {
    if let datafusion::error::DataFusionError::ObjectStore(store) = error.find_root() {
        return Some(problem(span, location, store));
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(store) = e.downcast_ref::<object_store::Error>() {
            return Some(problem(span, location, store));
        }
        cause = e.source();
    }
    None
}

impl super::Engine {
    /// A remote location with its store registered, and a plain name found to be a file or
    /// read as a folder.
    pub(super) async fn settled(
        &self,
        source: &hir::Source,
        mut location: Resolved,
    ) -> Result<Resolved, Diagnostic> {
        let span = source.location.span;
        let cloud = location.remote.unwrap_or(Cloud::Http);
        let url = url::Url::parse(&location.path).map_err(|e| {
            Diagnostic::Data(DataDiagnostic::UnreadableData {
                span,
                file: None,
                message: format!("`{}` is not a URL: {e}", location.shown),
            })
        })?;
        let store = self
            .storage
            .store(cloud, &url)
            .map_err(|e| problem(span, &location.shown, &e))?;
        let base = url::Url::parse(&store_url(&url)).map_err(|e| {
            Diagnostic::Data(DataDiagnostic::UnreadableData {
                span,
                file: None,
                message: e.to_string(),
            })
        })?;
        self.ctx
            .runtime_env()
            .register_object_store(&base, std::sync::Arc::clone(&store));
        if location.is_glob || location.is_directory || cloud == Cloud::Http {
            return Ok(location);
        }
        let key = object_store::path::Path::from_url_path(url.path())
            .map_err(|e| problem(span, &location.shown, &e.into()))?;
        match object_store::ObjectStoreExt::head(store.as_ref(), &key).await {
            Ok(_) => Ok(location),
            Err(object_store::Error::NotFound { .. }) => {
                location.as_folder();
                Ok(location)
            }
            Err(e) => Err(problem(span, &location.shown, &e)),
        }
    }

    /// Refuses an output folder in object storage that a source lists (E0716): the next run
    /// would read the outputs as data.
    pub fn refuse_remote_output_inside_sources(&self, out: &str) -> Result<(), Diagnostic> {
        let out = if out.ends_with('/') {
            out.to_string()
        } else {
            format!("{out}/")
        };
        for (span, location, _) in &self.locations {
            let listed = match (location.remote, location.is_directory, location.is_glob) {
                (Some(_), true, _) => location.path.clone(),
                (Some(_), _, true) => location::folder_part(&location.path).to_string(),
                _ => continue,
            };
            if out.starts_with(&listed) || listed.starts_with(&out) {
                return Err(Diagnostic::Data(DataDiagnostic::OutputInsideSource {
                    span: *span,
                    output: out,
                }));
            }
        }
        Ok(())
    }

    /// Publishes the outputs a run wrote to `staged` (a local folder) under `out`, a folder in
    /// object storage: both files under `runs/<as_of>_<unique>/`, then `latest.json` naming
    /// them (docs/lakes.md, "Writing outputs").
    pub async fn publish_remote(
        &self,
        staged: &OutputSpec,
        out: &str,
        run: &str,
        summary: &Summary,
    ) -> Result<Published, Diagnostic> {
        remote_out::publish(&self.storage, staged, out, run, summary).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_failing_while_a_plan_runs_is_the_environments_problem() {
        let failed = datafusion::error::DataFusionError::ObjectStore(Box::new(
            object_store::Error::Generic {
                store: "S3",
                source: "connection reset by peer".into(),
            },
        ));
        let problem = crate::engine::execution_failed(Span::new(0, 1), failed);
        assert_eq!(problem.code(), "E0720");
        assert_eq!(problem.blame(), crate::diagnostics::Blame::Environment);
        let refused = datafusion::error::DataFusionError::External(Box::new(
            object_store::Error::PermissionDenied {
                path: "lake/orders.parquet".into(),
                source: "403 Forbidden".into(),
            },
        ));
        let problem = crate::engine::execution_failed(Span::new(0, 1), refused);
        assert_eq!(problem.code(), "E0719");
        let local = datafusion::error::DataFusionError::Execution("bad value".into());
        let problem = crate::engine::execution_failed(Span::new(0, 1), local);
        assert_eq!(problem.code(), "E0706");
    }

    #[test]
    fn a_workers_store_error_is_read_from_its_message() {
        let at = Span::new(0, 1);
        let shown = |error: object_store::Error| {
            let wrapped = format!(
                "Parquet error: Failed to fetch metadata for file s3://lake/a.parquet: {}",
                datafusion::error::DataFusionError::ObjectStore(Box::new(error))
            );
            worker_store_problem(at, &wrapped).map(|p| p.code())
        };
        let refused = object_store::Error::PermissionDenied {
            path: "a.parquet".into(),
            source: "403 Forbidden".into(),
        };
        assert_eq!(shown(refused), Some("E0719"));
        let unauthenticated = object_store::Error::Unauthenticated {
            path: "a.parquet".into(),
            source: "401".into(),
        };
        assert_eq!(shown(unauthenticated), Some("E0719"));
        let failed = object_store::Error::Generic {
            store: "S3",
            source: "error sending request".into(),
        };
        assert_eq!(shown(failed), Some("E0720"));
        assert!(worker_store_problem(at, "Arrow error: bad value").is_none());
    }
}
