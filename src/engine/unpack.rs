//! Membership batches as the writer takes them: the key and one column per output, the
//! segments' flags unpacked from the words the plan packed them into (`lower::Packing`).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};
use datafusion::arrow::error::ArrowError;

use crate::functions::unpack;
use crate::lower::{Packing, Slot};

/// The schema of unpacked batches: the key, then one column per output named `names`
/// (flags are never-null booleans).
pub(super) fn unpacked_schema(packing: &Packing, plan: &Schema, names: &[String]) -> SchemaRef {
    let mut fields = vec![plan.field(0).clone()];
    for (slot, name) in packing.slots().iter().zip(names) {
        fields.push(match slot {
            Slot::Flag { .. } => Field::new(name, DataType::Boolean, false),
            Slot::Column(i) => plan.field(*i).clone().with_name(name),
        });
    }
    Arc::new(Schema::new_with_metadata(fields, plan.metadata().clone()))
}

/// A batch of the membership plan as the key and one column per output, in `schema` (from
/// [`unpacked_schema`]).
pub(super) fn unpacked(
    packing: &Packing,
    batch: &RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch, ArrowError> {
    let mut flags: Vec<Vec<BooleanArray>> = Vec::with_capacity(packing.words());
    for n in 0..packing.words() {
        // A file's part of a project's plan reads only some words (`Packing::select`).
        if !packing.reads_word(n) {
            flags.push(Vec::new());
            continue;
        }
        let in_word = packing.flags_in_word(n);
        let words = batch
            .columns()
            .get(n + 1)
            .and_then(|c| c.as_primitive_opt::<UInt64Type>())
            .ok_or_else(|| {
                ArrowError::SchemaError(format!("column {} is not packed flags", n + 1))
            })?;
        flags.push(unpack(words, in_word));
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::clone(batch.column(0))];
    for slot in packing.slots() {
        let column: Option<ArrayRef> = match slot {
            Slot::Flag { word, bit } => flags
                .get(word - 1)
                .and_then(|w| w.get(*bit))
                .map(|f| Arc::new(f.clone()) as ArrayRef),
            Slot::Column(i) => batch.columns().get(*i).cloned(),
        };
        columns.push(column.ok_or_else(|| {
            ArrowError::SchemaError("a membership batch lacks an output".to_string())
        })?);
    }
    RecordBatch::try_new(Arc::clone(schema), columns)
}
