//! segc's own scalar functions: the execution kernels that segc's plans call, kept apart from
//! plan construction (`lower` builds the calls), as DataFusion keeps its functions apart from its
//! SQL planner. Anything that executes segc's plans (a distributed worker) registers these.
//!
//! One file per function family: `segc_bucket` (`bucket.rs`), `segc_and`/`segc_or`/`segc_is_true`
//! (`logic.rs`), `segc_flags` with the packing and unpacking of flag words (`flags.rs`),
//! `segc_ntileN` with the selection of its boundaries (`ntile.rs`), the pairs and samples
//! a cluster's workers rank quantiles with (`rank_row.rs`), `segc_text_eq` (`text.rs`). Stateless functions are
//! `Kernel`s: a name, a signature, a return type and a body. `segc_ntileN` carries its
//! quantile's boundaries, so it has a `ScalarUDFImpl` of its own.

mod bucket;
mod flags;
mod logic;
mod ntile;
mod rank_row;
mod text;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub use bucket::{BUCKETS, bucket, segc_bucket};
pub use flags::{FLAGS_PER_WORD, pack, segc_flags, unpack};
pub use logic::{segc_and, segc_is_true, segc_or};
pub use ntile::{Boundaries, RankOrder, group_starts, ntile_functions, ntile_udf, sent_boundaries};
pub use rank_row::{rank_row_functions, rank_row_udf, segc_sampled};
pub use text::segc_text_eq;

/// Every function segc's plans call, by name: what executes them elsewhere (a cluster worker)
/// registers. `segc_ntileN` comes without boundaries: plans sent away give them as an argument.
pub fn all() -> Vec<ScalarUDF> {
    let mut all = vec![
        segc_bucket(),
        segc_and(),
        segc_or(),
        segc_is_true(),
        segc_flags(),
        segc_sampled(),
        segc_text_eq(),
    ];
    all.extend(rank_row_functions());
    all.extend(ntile_functions());
    all
}

/// A stateless scalar function: what DataFusion needs to know of it, and its body.
#[derive(Debug)]
struct Kernel {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    body: fn(&str, ScalarFunctionArgs) -> Result<ColumnarValue>,
}

impl Kernel {
    /// The function `name(arguments…) -> returns`, immutable (same arguments, same result).
    fn udf(
        name: &'static str,
        arguments: Vec<DataType>,
        returns: DataType,
        body: fn(&str, ScalarFunctionArgs) -> Result<ColumnarValue>,
    ) -> ScalarUDF {
        let signature = Signature::exact(arguments, Volatility::Immutable);
        Kernel::with_signature(name, signature, returns, body)
    }

    /// The function `name` taking the arguments `signature` accepts.
    fn with_signature(
        name: &'static str,
        signature: Signature,
        returns: DataType,
        body: fn(&str, ScalarFunctionArgs) -> Result<ColumnarValue>,
    ) -> ScalarUDF {
        ScalarUDF::from(Kernel {
            name,
            signature,
            returns,
            body,
        })
    }
}

// Compared and hashed by name (one body per name): DataFusion compares calls to find common
// expressions, and function pointers have no stable identity to compare.
impl PartialEq for Kernel {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.signature == other.signature
            && self.returns == other.returns
    }
}

impl Eq for Kernel {}

impl std::hash::Hash for Kernel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.signature.hash(state);
        self.returns.hash(state);
    }
}

impl ScalarUDFImpl for Kernel {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        (self.body)(self.name, args)
    }
}
