//! Precise GC roots: which SSA values hold GC references.
//!
//! Every value of the `any` or `extern` hierarchy (a GC heap object, an
//! `i31` or a host value's slot) is declared to Cranelift as needing a
//! stack map, so that at every call (a safepoint: the callee may collect)
//! the live ones are spilled to stack slots listed in the call's user stack
//! map (`crate::finish` records them per return address). Function
//! references and exception references are not GC heap references and are
//! left out.
//!
//! The translator's operand stack is untyped, so the types come from the
//! validator, which has just validated the operator: after each operator,
//! the values it pushed (the top of the stack that differs from before)
//! are matched with the validator's operand types at the same depths.
//! Locals of such types are declared as variables needing stack maps,
//! which covers the block parameters the SSA construction adds for them.
//! Loop copies made by unrolling contain no calls; the values they leave
//! the loop with go through the loop's exit block parameters or locals,
//! both declared.

use super::FuncState;
use cranelift_codegen::ir::Value;
use wasmparser::{
    AbstractHeapType, CompositeInnerType, FuncValidator, HeapType, UnpackedIndex, ValType,
    ValidatorResources, WasmModuleResources,
};
use wasmtime_environ::{WasmHierarchy, WasmValType};

/// Whether a value of module type `ty` is a GC reference.
pub(crate) fn is_gc_val(ty: &WasmValType) -> bool {
    matches!(ty, WasmValType::Ref(r)
        if matches!(r.heap.hierarchy(), WasmHierarchy::Any | WasmHierarchy::Extern))
}

/// Whether an operand of validator type `ty` is a GC reference.
pub(crate) fn is_gc_operand(resources: &ValidatorResources, ty: ValType) -> bool {
    let ValType::Ref(r) = ty else {
        return false;
    };
    match r.heap_type() {
        HeapType::Abstract { ty, .. } => matches!(
            ty,
            AbstractHeapType::Any
                | AbstractHeapType::Eq
                | AbstractHeapType::I31
                | AbstractHeapType::Struct
                | AbstractHeapType::Array
                | AbstractHeapType::None
                | AbstractHeapType::Extern
                | AbstractHeapType::NoExtern
        ),
        HeapType::Concrete(idx) | HeapType::Exact(idx) => {
            let sub = match idx {
                UnpackedIndex::Id(id) => Some(resources.sub_type_at_id(id)),
                UnpackedIndex::Module(i) => resources.sub_type_at(i),
                // Not produced by function validation; a reference of an
                // unknown kind is kept (a false root only retains).
                UnpackedIndex::RecGroup(_) => return true,
            };
            match sub {
                Some(s) => matches!(
                    s.composite_type.inner,
                    CompositeInnerType::Struct(_) | CompositeInnerType::Array(_)
                ),
                None => true,
            }
        }
    }
}

impl FuncState<'_, '_, '_> {
    /// Declares the GC references among the values an operator pushed:
    /// `before` is the operand stack before it, `validator` has validated
    /// it. Only when both stacks have the same height (reachable code).
    pub(super) fn declare_pushed_refs(
        &mut self,
        before: &[Value],
        validator: &FuncValidator<ValidatorResources>,
    ) {
        let len = self.stack.len();
        if validator.operand_stack_height() as usize != len {
            return;
        }
        let common = before
            .iter()
            .zip(&self.stack)
            .take_while(|(a, b)| a == b)
            .count();
        for i in common..len {
            let depth = len - 1 - i;
            if let Some(Some(ty)) = validator.get_operand_type(depth) {
                if is_gc_operand(validator.resources(), ty) {
                    let v = self.stack[i];
                    self.b.declare_value_needs_stack_map(v);
                }
            }
        }
    }
}
