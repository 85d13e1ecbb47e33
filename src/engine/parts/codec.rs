//! How a [`WritePartsExec`] travels to the workers inside a plan: its [`PartsSpec`] as JSON,
//! its input encoded by DataFusion's codec.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use super::PartsSpec;
use super::exec::WritePartsExec;

/// The codec of segc's own plan node, registered on the client and on every worker.
#[derive(Debug)]
pub(crate) struct PartsCodec;

impl PhysicalExtensionCodec for PartsCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        _ctx: &TaskContext,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let spec: PartsSpec =
            serde_json::from_slice(buf).map_err(|e| DataFusionError::External(Box::new(e)))?;
        match inputs {
            [input] => Ok(Arc::new(WritePartsExec::new(
                Arc::new(spec),
                Arc::clone(input),
            ))),
            _ => Err(DataFusionError::Internal(format!(
                "WritePartsExec takes one input, not {}",
                inputs.len()
            ))),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let Some(writer) = node.downcast_ref::<WritePartsExec>() else {
            return Err(DataFusionError::NotImplemented(format!(
                "segc's codec does not encode {}",
                node.name()
            )));
        };
        let json = serde_json::to_vec(writer.spec.as_ref())
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        buf.extend(json);
        Ok(())
    }
}
