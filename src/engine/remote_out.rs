//! Publishing a run's outputs to object storage (`--out s3://lake/segments/`).
//!
//! Object stores have no rename, so the pair is published the way lake tables are: the
//! membership file and `summary.json` are uploaded under a folder of their own,
//! `runs/<as_of>_<unique>/`, and then `latest.json`, a small manifest naming them, is written last
//! with a single PUT, which every store makes visible whole or not at all. A reader that follows
//! `latest.json` sees the previous pair or the new one, never a mix; a run killed before it
//! leaves only an unreferenced folder under `runs/`, and the folders of earlier runs stay as
//! the history of every run.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart};
use serde::Serialize;

use super::stores::{Cloud, StorageSettings, store_url};
use super::{OutputSpec, Summary};
use crate::diagnostics::{DataDiagnostic, Diagnostic};

/// The manifest's name under the output folder.
pub const MANIFEST: &str = "latest.json";

/// Files up to this size are uploaded in one request; larger ones in parts of this size.
const PART_BYTES: usize = 8 << 20;

/// Where a run's outputs were published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The membership file's URL.
    pub membership: String,
    /// The summary's URL.
    pub summary: String,
    /// The manifest's URL (`…/latest.json`).
    pub manifest: String,
}

/// `latest.json`: which run's outputs are current.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    /// The manifest's format version: 1 names one membership file, 2 a folder of parts
    /// (`parts`).
    segc_outputs: u32,
    /// The rule file of the run.
    rules: &'a str,
    /// The run's evaluation date.
    as_of: &'a str,
    /// The membership file, relative to the output folder.
    membership: String,
    /// The summary, relative to the output folder.
    summary: String,
    /// The membership's parts, relative to the output folder, in order (written by a
    /// cluster's workers): a reader reads these, never the folder's listing, which may hold
    /// parts of a failed task.
    #[serde(skip_serializing_if = "Option::is_none")]
    parts: Option<Vec<String>>,
}

/// The output folder `out` (a URL) as a store and the key prefix under it.
pub(super) fn store_of(
    storage: &StorageSettings,
    out: &str,
) -> Result<(Arc<dyn ObjectStore>, String, String), String> {
    let url = url::Url::parse(out).map_err(|e| e.to_string())?;
    let cloud = Cloud::of_scheme(url.scheme())
        .filter(|c| *c != Cloud::Http)
        .ok_or_else(|| format!("`{}://` outputs cannot be written", url.scheme()))?;
    let store = storage.store(cloud, &url).map_err(|e| e.to_string())?;
    let prefix = url.path().trim_matches('/').to_string();
    Ok((store, store_url(&url), prefix))
}

/// The URL a run's file `name` is published at: `out/runs/<run>/name`.
pub fn run_file_url(out: &str, run: &str, name: &str) -> String {
    format!("{}/runs/{run}/{name}", out.trim_end_matches('/'))
}

/// The output folder of a run in object storage.
struct Folder<'a> {
    out: &'a str,
    store: Arc<dyn ObjectStore>,
    /// The store's URL (`s3://bucket`).
    base: String,
    /// The folder's key prefix in the store (no slashes around it).
    prefix: String,
}

impl<'a> Folder<'a> {
    fn of(storage: &StorageSettings, out: &'a str) -> Result<Self, Diagnostic> {
        let (store, base, prefix) = store_of(storage, out).map_err(|m| failed(out, m))?;
        Ok(Folder {
            out,
            store,
            base,
            prefix,
        })
    }

    /// The key of `name` (relative to the folder) in the store.
    fn key(&self, name: &str) -> String {
        match self.prefix.as_str() {
            "" => name.to_string(),
            p => format!("{p}/{name}"),
        }
    }

    /// The URL of `name` (relative to the folder).
    fn url(&self, name: &str) -> String {
        format!("{}/{}", self.base, self.key(name))
    }

    fn failed(&self, message: String) -> Diagnostic {
        failed(self.out, message)
    }

    /// Writes `manifest`: the commit point of a run, one PUT of a small object.
    async fn commit(&self, manifest: &Manifest<'_>) -> Result<Published, Diagnostic> {
        let text = serde_json::to_vec_pretty(manifest).map_err(|e| self.failed(e.to_string()))?;
        self.store
            .put(
                &ObjectPath::from(self.key(MANIFEST)),
                PutPayload::from(text),
            )
            .await
            .map_err(|e| self.failed(e.to_string()))?;
        Ok(Published {
            membership: self.url(&manifest.membership),
            summary: self.url(&manifest.summary),
            manifest: self.url(MANIFEST),
        })
    }
}

/// E0708 for the output folder `out`.
fn failed(out: &str, message: String) -> Diagnostic {
    Diagnostic::Data(DataDiagnostic::OutputFailed {
        path: out.to_string(),
        message,
    })
}

/// Uploads the outputs written to `staged` under `runs/<run>/` and then the manifest, under the
/// output folder `out` (a URL).
pub(super) async fn publish(
    storage: &StorageSettings,
    staged: &OutputSpec,
    out: &str,
    run: &str,
    summary: &Summary,
) -> Result<Published, Diagnostic> {
    let folder = Folder::of(storage, out)?;
    let membership_name = staged
        .membership_path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let membership = format!("runs/{run}/{membership_name}");
    let summary_file = format!("runs/{run}/summary.json");
    for (name, file) in [
        (&membership, staged.membership_path()),
        (&summary_file, staged.summary_path()),
    ] {
        upload(folder.store.as_ref(), &folder.key(name), &file)
            .await
            .map_err(|m| folder.failed(m))?;
    }
    let manifest = Manifest {
        segc_outputs: 1,
        rules: &summary.rules,
        as_of: &summary.as_of,
        membership,
        summary: summary_file,
        parts: None,
    };
    folder.commit(&manifest).await
}

/// Publishes a run whose membership its workers wrote in parts under
/// `runs/<run>/membership/` (`parts`: their file names, in order): uploads `summary`, then
/// the manifest naming the summary and the parts.
pub(super) async fn publish_parts(
    storage: &StorageSettings,
    out: &str,
    run: &str,
    summary: &Summary,
    parts: &[String],
) -> Result<Published, Diagnostic> {
    let folder = Folder::of(storage, out)?;
    let membership = format!("runs/{run}/membership/");
    let summary_file = format!("runs/{run}/summary.json");
    let mut text = serde_json::to_vec_pretty(summary).map_err(|e| folder.failed(e.to_string()))?;
    text.push(b'\n');
    folder
        .store
        .put(
            &ObjectPath::from(folder.key(&summary_file)),
            PutPayload::from(text),
        )
        .await
        .map_err(|e| folder.failed(e.to_string()))?;
    let manifest = Manifest {
        segc_outputs: 2,
        rules: &summary.rules,
        as_of: &summary.as_of,
        parts: Some(parts.iter().map(|p| format!("{membership}{p}")).collect()),
        membership,
        summary: summary_file,
    };
    folder.commit(&manifest).await
}

/// A folder name no other run takes: the date, then the time and the process in hexadecimal.
pub fn run_folder(as_of: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{as_of}_{nanos:x}{:x}", std::process::id())
}

/// Uploads the local file `file` as `key`: in one request when small, else in parts.
pub(super) async fn upload(store: &dyn ObjectStore, key: &str, file: &Path) -> Result<(), String> {
    let location = ObjectPath::from(key);
    let size = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    if size <= PART_BYTES as u64 {
        let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
        store
            .put(&location, PutPayload::from(bytes))
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let upload = store
        .put_multipart(&location)
        .await
        .map_err(|e| e.to_string())?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
    let mut reader = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let mut buffer = vec![0u8; PART_BYTES];
    loop {
        let read = reader.read(&mut buffer).map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        writer
            .wait_for_capacity(4)
            .await
            .map_err(|e| e.to_string())?;
        writer.write(&buffer[..read]);
    }
    writer.finish().await.map_err(|e| e.to_string())?;
    Ok(())
}
