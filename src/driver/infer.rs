//! `segc schema infer` as a call: a source declaration written from a data file.

use std::path::Path;

use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::engine::{InferOptions, infer_source};

/// What to infer a declaration from.
#[derive(Debug, Clone)]
pub struct InferRequest {
    /// The source's name (default: the file's stem).
    pub name: Option<String>,
    /// Read as CSV (`Some(true)`) or Parquet (`Some(false)`); by default CSV when the file
    /// ends in `.csv`.
    pub csv: Option<bool>,
    /// The CSV field delimiter.
    pub delimiter: u8,
    /// Text columns with at most this many distinct values become enums.
    pub enum_max: usize,
    /// How remote locations are read (segc.toml `[storage]` of the current folder's project).
    pub storage: crate::engine::StorageSettings,
}

/// The declaration of the data file or folder `file` (a path, or a URL), as rule text: a
/// partitioned folder's `name=value` folders become `partition` columns.
pub async fn infer_schema(file: &Path, request: &InferRequest) -> Result<String, Diagnostic> {
    let csv = request.csv.unwrap_or_else(|| {
        file.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    });
    let remote = crate::engine::is_url(&file.to_string_lossy());
    // A folder (a partitioned one too) is read whole; anything else must be a regular file.
    let folder = file.to_string_lossy().ends_with('/') || (!remote && file.is_dir());
    if !remote && !folder {
        crate::load::regular_file(file).map_err(|message| {
            Diagnostic::Command(CommandDiagnostic::FileUnreadable {
                path: file.display().to_string(),
                message: message.to_string(),
            })
        })?;
    }
    let name = request.name.clone().unwrap_or_else(|| {
        let file = if folder {
            Path::new(file.to_string_lossy().trim_end_matches('/')).to_path_buf()
        } else {
            file.to_path_buf()
        };
        file.file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "data".into())
    });
    let options = InferOptions {
        name,
        location: file.display().to_string(),
        csv,
        delimiter: request.delimiter,
        enum_max: request.enum_max,
        storage: request.storage.clone(),
        folder,
    };
    infer_source(file, &options).await
}
