//! Trampolines between the host's array calling convention and the wasm
//! calling convention.

use crate::builtins::builtin_signature;
use crate::keys::WASM_FUNC_NAMESPACE;
use crate::trap_codes::trap_code;
use crate::{value_type, wasm_signature};
use cranelift_codegen::ir::{
    types::{I32, I64, I8},
    AbiParam, ExtFuncData, ExternalName, Function, InstBuilder, MemFlagsData, Signature,
    StackSlotData, StackSlotKind, UserExternalName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmtime_environ::{
    store_context, vm_func_ref, vm_host_func_context, vmctx, BuiltinFunctionIndex,
    DefinedFuncIndex, TrapSite, Tunables, VMOffsets, WasmFuncType, WasmResult,
};

/// Size of one `ValRaw` slot.
const SLOT: u32 = 16;

/// `extern "C" fn(callee_vmctx, caller_vmctx, *mut ValRaw, len) -> bool`
/// in the target's C convention `call_conv`.
pub(crate) fn array_call_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..4 {
        sig.params.push(AbiParam::new(I64));
    }
    sig.returns.push(AbiParam::new(I8));
    sig
}

/// Flags for accesses to runtime data structures that are known valid.
fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Loads values of `tys` from consecutive slots starting at `base`.
fn load_slots(
    builder: &mut FunctionBuilder,
    tys: &[wasmtime_environ::WasmValType],
    base: Value,
) -> WasmResult<Vec<Value>> {
    let mut vals = Vec::with_capacity(tys.len());
    for (i, ty) in tys.iter().enumerate() {
        let ty = value_type(*ty)?;
        vals.push(
            builder
                .ins()
                .load(ty, trusted(), base, (i as u32 * SLOT) as i32),
        );
    }
    Ok(vals)
}

/// Stores `vals` into consecutive slots starting at `base`.
fn store_slots(builder: &mut FunctionBuilder, vals: &[Value], base: Value) {
    for (i, val) in vals.iter().enumerate() {
        builder
            .ins()
            .store(trusted(), *val, base, (i as u32 * SLOT) as i32);
    }
}

/// The store context's fuel counter (passed to wasm in registers).
fn load_fuel(builder: &mut FunctionBuilder, store: Value) -> Value {
    let offset = store_context::FUEL_CONSUMED as i32;
    builder.ins().load(I64, trusted(), store, offset)
}

/// Writes the fuel counter a wasm call returned (or passed) to the store
/// context.
fn store_fuel(builder: &mut FunctionBuilder, store: Value, counter: Value) {
    let offset = store_context::FUEL_CONSUMED as i32;
    builder.ins().store(trusted(), counter, store, offset);
}

/// Builds the array-to-wasm trampoline of defined function `index` of type
/// `ty`; with `fuel`, it passes the store's fuel counter in and stores the
/// one the function returns.
pub(crate) fn build_array_to_wasm(
    isa: &dyn TargetIsa,
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    ty: &WasmFuncType,
    index: DefinedFuncIndex,
    fuel: bool,
) -> WasmResult<()> {
    let callee_sig = wasm_signature(ty, fuel)?;
    let mut builder = FunctionBuilder::new(func, builder_ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let params = builder.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx, values) = (params[0], params[1], params[2]);

    // Record where wasm was entered, for stack walking.
    let fp = builder.ins().get_frame_pointer(I64);
    let store = builder
        .ins()
        .load(I64, trusted(), callee_vmctx, vmctx::STORE_CONTEXT as i32);
    builder.ins().store(
        trusted(),
        fp,
        store,
        store_context::LAST_WASM_ENTRY_FP as i32,
    );

    let mut args = vec![callee_vmctx, caller_vmctx];
    if fuel {
        args.push(load_fuel(&mut builder, store));
    }
    args.extend(load_slots(&mut builder, &ty.params, values)?);

    let sig = builder.import_signature(callee_sig);
    let name = builder
        .func
        .declare_imported_user_function(UserExternalName::new(WASM_FUNC_NAMESPACE, index.as_u32()));
    let callee = builder.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let call = builder.ins().call(callee, &args);
    let mut results = builder.inst_results(call).to_vec();
    if fuel {
        let counter = results.remove(0);
        store_fuel(&mut builder, store, counter);
    }
    store_slots(&mut builder, &results, values);

    let ok = builder.ins().iconst(I8, 1);
    builder.ins().return_(&[ok]);
    builder.finalize(isa.frontend_config());
    Ok(())
}

/// Builds the wasm-to-array trampoline for host functions of type `ty`.
/// With `tunables.consume_fuel` it stores the fuel counter it is passed
/// (the host may read or change it) and returns the store's counter after
/// the call.
pub(crate) fn build_wasm_to_array(
    isa: &dyn TargetIsa,
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    ty: &WasmFuncType,
    tunables: &Tunables,
) -> WasmResult<()> {
    let fuel = tunables.consume_fuel;
    let mut builder = FunctionBuilder::new(func, builder_ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let params = builder.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx) = (params[0], params[1]);

    // Record the exit from wasm: the caller's frame pointer (saved at our
    // frame pointer) and our return address into wasm.
    let store = builder
        .ins()
        .load(I64, trusted(), caller_vmctx, vmctx::STORE_CONTEXT as i32);
    let fp = builder.ins().get_frame_pointer(I64);
    let caller_fp = builder.ins().load(I64, trusted(), fp, 0);
    builder.ins().store(
        trusted(),
        caller_fp,
        store,
        store_context::LAST_WASM_EXIT_FP as i32,
    );
    let pc = builder.ins().get_return_address(I64);
    builder.ins().store(
        trusted(),
        pc,
        store,
        store_context::LAST_WASM_EXIT_PC as i32,
    );
    let wasm_params = if fuel {
        store_fuel(&mut builder, store, params[2]);
        &params[3..]
    } else {
        &params[2..]
    };

    // Spill the arguments into the value array.
    let len = ty.params.len().max(ty.results.len());
    let slot = builder.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (len.max(1) as u32) * SLOT,
        4,
    ));
    let values = builder.ins().stack_addr(I64, slot, 0);
    store_slots(&mut builder, wasm_params, values);

    // Call the host function's array entry point.
    let array_call = builder.ins().load(
        I64,
        trusted().with_readonly(),
        callee_vmctx,
        (vm_host_func_context::FUNC_REF + vm_func_ref::ARRAY_CALL) as i32,
    );
    let len = builder.ins().iconst(I64, len as i64);
    let sig = builder.import_signature(array_call_signature(isa.default_call_conv()));
    let call =
        builder
            .ins()
            .call_indirect(sig, array_call, &[callee_vmctx, caller_vmctx, values, len]);
    let ok = builder.inst_results(call)[0];
    {
        // A failed host call is raised through the calling instance's
        // `raise_trap` builtin, a direct call into the runtime: it is not a
        // fault, so it never goes through the signal handler.
        let fail = builder.create_block();
        let cont = builder.create_block();
        builder.set_cold_block(fail);
        builder.ins().brif(ok, cont, &[], fail, &[]);
        builder.switch_to_block(fail);
        builder.seal_block(fail);
        let raise = BuiltinFunctionIndex::raise_trap;
        let sig = builder.import_signature(builtin_signature(raise, isa.default_call_conv()));
        let table = builder
            .ins()
            .load(I64, trusted(), caller_vmctx, vmctx::BUILTINS as i32);
        let fptr = builder
            .ins()
            .load(I64, trusted(), table, VMOffsets::builtin(raise) as i32);
        let site = builder
            .ins()
            .iconst(I32, i64::from(TrapSite::HostError.to_u8()));
        builder
            .ins()
            .call_indirect(sig, fptr, &[caller_vmctx, site]);
        builder.ins().trap(trap_code(TrapSite::HostError));
        builder.switch_to_block(cont);
        builder.seal_block(cont);
    }

    let mut results = load_slots(&mut builder, &ty.results, values)?;
    if fuel {
        results.insert(0, load_fuel(&mut builder, store));
    }
    builder.ins().return_(&results);
    builder.finalize(isa.frontend_config());
    Ok(())
}
