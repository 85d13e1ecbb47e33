//! Finding the file a reader stopped on: a panic inside DataFusion's scan does not say which
//! file it was reading. Only after a run failed so, each Parquet file of the sources is read
//! once more on its own, and the first one that fails names the culprit.

use std::path::{Path, PathBuf};

use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::location::Resolved;

/// The first Parquet file of `locations` (in path order) that cannot be read whole, as shown.
pub(super) async fn first_unreadable(locations: &[&Resolved]) -> Option<String> {
    // Remote files are not read twice: their readers' panics are reported without the file.
    for location in locations.iter().filter(|l| l.remote.is_none()) {
        for file in parquet_files(location) {
            let read = super::panics::contained(async { read_whole(&file) }).await;
            if !matches!(read, Ok(Ok(()))) {
                return Some(location.show_file(&file.to_string_lossy()));
            }
        }
    }
    None
}

/// Decodes every page of every column of `file`.
fn read_whole(file: &Path) -> Result<(), String> {
    let handle = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(handle)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    for batch in reader {
        batch.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The Parquet files a location reads, in path order.
fn parquet_files(location: &Resolved) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if location.is_glob {
        if let Ok(paths) = glob::glob(&location.path) {
            files.extend(paths.flatten().filter(|p| p.is_file()));
        }
    } else if location.is_directory {
        collect(Path::new(&location.path), &mut files);
    } else {
        files.push(PathBuf::from(&location.path));
    }
    files.sort();
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if path.is_dir() && !link {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path);
        }
    }
}
