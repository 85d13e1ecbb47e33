//! `segc schema infer` as a call: a source declaration written from a data file.

use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::engine::{InferOptions, Inferred, infer_source};

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
    /// The folder of the rule file the declarations are for: local locations are written
    /// relative to it (else relative to the current folder).
    pub relative_to: Option<PathBuf>,
}

/// The declarations of the data files or folders `files`, inferred together: a column named
/// like another's key `references` it. `request.name` applies to a single file.
pub async fn infer_schemas(
    files: &[PathBuf],
    request: &InferRequest,
) -> Result<String, Diagnostic> {
    let mut inferred = Vec::with_capacity(files.len());
    for file in files {
        inferred.push(infer_one(file, request).await?);
    }
    let relative_to = match &request.relative_to {
        Some(folder) => format!("`{}`", folder.display()),
        None => "the current folder".to_string(),
    };
    Ok(crate::engine::render_all(&inferred, &relative_to))
}

/// The declaration of the data file or folder `file` (a path, or a URL), as rule text: a
/// partitioned folder's `name=value` folders become `partition` columns.
pub async fn infer_schema(file: &Path, request: &InferRequest) -> Result<String, Diagnostic> {
    infer_schemas(&[file.to_path_buf()], request).await
}

async fn infer_one(file: &Path, request: &InferRequest) -> Result<Inferred, Diagnostic> {
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
        location: match (&request.relative_to, remote) {
            (Some(folder), false) => relative(file, folder),
            _ => file.display().to_string(),
        },
        csv,
        delimiter: request.delimiter,
        enum_max: request.enum_max,
        storage: request.storage.clone(),
        folder,
    };
    infer_source(file, &options).await
}

/// `file` as a path from `folder` (`../data/customers.parquet`), both made absolute first.
fn relative(file: &Path, folder: &Path) -> String {
    let (Ok(file), Ok(folder)) = (std::path::absolute(file), std::path::absolute(folder)) else {
        return file.display().to_string();
    };
    let to: Vec<Component<'_>> = file
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let from: Vec<Component<'_>> = folder
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part.as_os_str());
    }
    path.to_string_lossy().replace('\\', "/")
}
