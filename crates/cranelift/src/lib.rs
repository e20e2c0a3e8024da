//! Cranelift code generation for our Wasmtime implementation.
//!
//! This crate turns the validated function bodies of a
//! [`wasmtime_environ::ModuleTranslation`] into native machine code with
//! Cranelift, and generates the trampolines that connect the host calling
//! convention with the wasm calling convention. It implements
//! [`wasmtime_environ::Compiler`] with [`CraneliftCompiler`]; everything the
//! generated code assumes about the runtime (the `VMContext` layout, builtin
//! functions, trap codes) comes from `wasmtime-environ`.
//!
//! The emitted code follows the contract documented in `wasmtime-environ`:
//!
//! * wasm functions use `CallConv::Tail` with the signature
//!   `(callee_vmctx, caller_vmctx, params...) -> results`;
//! * direct calls to defined functions are `RelocationTarget::Wasm`
//!   relocations, everything else goes through `VMFuncRef`s;
//! * traps are recorded in [`wasmtime_environ::CompiledFunction::traps`] with
//!   their [`wasmtime_environ::TrapSite`].

mod builtins;
pub mod debug;
mod finish;
mod func;
mod keys;
mod placement;
mod trampolines;
mod trap_codes;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, AbiParam, ArgumentPurpose, Function, Signature, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use std::ops::Range;
use std::sync::Mutex;
use wasmtime_environ::{
    CompiledFunction, Compiler, DefinedFuncIndex, FunctionBodyData, Module, Tunables, VMOffsets,
    WasmError, WasmFuncType, WasmResult, WasmValType,
};

/// A fingerprint of this crate's side of the conventions between compiled
/// code and the runtime, hashed from the files that define them: the wasm
/// calling convention (the fuel counter in registers, `wasm_signature`), the
/// trampolines, builtin signatures and calling conventions (the
/// register-preserving `status` builtins, `throw_ref`, `raise_trap`), trap
/// codes and the exception handler protocol. Part of
/// [`CraneliftCompiler`]'s fingerprint, so artifacts built under other
/// conventions are refused.
const CRANELIFT_ABI_FINGERPRINT: u64 = wasmtime_environ::source_fingerprint(&[
    include_str!("lib.rs"),
    include_str!("trampolines.rs"),
    include_str!("builtins.rs"),
    include_str!("trap_codes.rs"),
    include_str!("keys.rs"),
    include_str!("func/calls.rs"),
    include_str!("func/instrument.rs"),
    include_str!("func/exceptions.rs"),
]);

/// How hard Cranelift should try to optimize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OptLevel {
    /// No optimizations.
    None,
    /// Optimize for speed.
    #[default]
    Speed,
    /// Optimize for speed and code size.
    SpeedAndSize,
}

/// Settings for [`CraneliftCompiler::new`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompilerConfig {
    /// Optimization level.
    pub opt_level: OptLevel,
    /// Run the Cranelift IR verifier on every function (slower compilation).
    pub enable_verifier: bool,
    /// Canonicalize NaNs produced by float operations (deterministic mode).
    pub nan_canonicalization: bool,
    /// Further Cranelift settings, applied after this crate's own: a
    /// shared setting or, failing that, an ISA setting of that name.
    /// `(name, None)` enables a boolean setting; `(name, Some(v))` sets it.
    pub extra_flags: Vec<(String, Option<String>)>,
    /// The target to generate code for; `None` for the host, whose CPU
    /// features are detected. A given target starts from Cranelift's
    /// defaults for that triple (no detection, even if it is the host's);
    /// `extra_flags` add to them.
    pub target: Option<target_lexicon::Triple>,
}

impl Default for CompilerConfig {
    fn default() -> Self {
        CompilerConfig {
            opt_level: OptLevel::Speed,
            enable_verifier: cfg!(debug_assertions),
            nan_canonicalization: false,
            extra_flags: Vec::new(),
            target: None,
        }
    }
}

/// A [`Compiler`] generating code for the host with Cranelift.
pub struct CraneliftCompiler {
    isa: OwnedTargetIsa,
    /// Whether the target was configured rather than the detected host.
    explicit_target: bool,
    /// Reusable compilation contexts, so that allocations are amortized
    /// across functions (one per concurrently compiling thread).
    contexts: Mutex<Vec<CompilerContext>>,
}

/// The per-function state that can be reused between compilations.
struct CompilerContext {
    codegen: Context,
    builder: FunctionBuilderContext,
}

impl CraneliftCompiler {
    /// Creates a compiler for `config.target` (by default the host CPU)
    /// with the given configuration.
    pub fn new(config: &CompilerConfig) -> Result<Self, String> {
        let isa_builder = match &config.target {
            None => cranelift_native::builder()
                .map_err(|e| format!("host machine is not supported by Cranelift: {e}"))?,
            Some(triple) => isa_builder_for(triple)?,
        };
        let mut compiler = Self::with_isa_builder(config, isa_builder)?;
        compiler.explicit_target = config.target.is_some();
        Ok(compiler)
    }

    /// Creates a compiler for the target of `isa_builder` (whose ISA
    /// settings are kept) with the shared settings of `config`.
    fn with_isa_builder(
        config: &CompilerConfig,
        isa_builder: cranelift_codegen::isa::Builder,
    ) -> Result<Self, String> {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, name: &str, value: &str| {
            flags
                .set(name, value)
                .map_err(|e| format!("cranelift setting `{name}={value}`: {e}"))
        };
        let bool_str = |b: bool| if b { "true" } else { "false" };
        let opt = match config.opt_level {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        };
        set(&mut flags, "opt_level", opt)?;
        set(
            &mut flags,
            "enable_verifier",
            bool_str(config.enable_verifier),
        )?;
        set(
            &mut flags,
            "enable_nan_canonicalization",
            bool_str(config.nan_canonicalization),
        )?;
        set(&mut flags, "preserve_frame_pointers", "true")?;
        set(&mut flags, "enable_probestack", "true")?;
        set(&mut flags, "probestack_strategy", "inline")?;
        set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
        // Block offsets and edges, to place functions for their loops.
        set(&mut flags, "machine_code_cfg_info", "true")?;
        let mut isa_builder = isa_builder;
        for (name, value) in &config.extra_flags {
            let shared = match value {
                Some(v) => flags.set(name, v),
                None => flags.enable(name),
            };
            let result = match shared {
                Err(settings::SetError::BadName(_)) => match value {
                    Some(v) => isa_builder.set(name, v),
                    None => isa_builder.enable(name),
                },
                other => other,
            };
            result.map_err(|e| match value {
                Some(v) => format!("cranelift setting `{name}={v}`: {e}"),
                None => format!("cranelift setting `{name}`: {e}"),
            })?;
        }
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("failed to create the Cranelift ISA: {e}"))?;
        Ok(CraneliftCompiler {
            isa,
            explicit_target: false,
            contexts: Mutex::new(Vec::new()),
        })
    }

    /// Checks that the target can run the code this compiler emits for the
    /// SIMD proposals: on x86_64 the vector lowering needs SSE3, SSSE3 and
    /// SSE4.1. Returns a message naming what is missing. (On riscv64 the V
    /// extension is needed too, but only functions that use vectors are
    /// refused without it, see `compile_context`.)
    pub fn check_simd_support(&self) -> Result<(), String> {
        let required: &[(&str, &str)] = match self.isa.name() {
            "x64" => &[
                ("has_sse3", "SSE3"),
                ("has_ssse3", "SSSE3"),
                ("has_sse41", "SSE4.1"),
            ],
            _ => return Ok(()),
        };
        let flags = self.isa.isa_flags();
        let missing: Vec<&str> = required
            .iter()
            .filter(|(flag, _)| {
                !flags
                    .iter()
                    .any(|v| v.name == *flag && v.as_bool() == Some(true))
            })
            .map(|(_, name)| *name)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let triple = self.isa.triple();
        let what = if self.explicit_target {
            format!("the target `{triple}`")
        } else {
            "the host CPU".to_string()
        };
        let arch = triple.architecture;
        Err(format!(
            "{what} lacks {}, which the SIMD and relaxed SIMD proposals require on {arch}; \
             enable it (`Config::cranelift_flag_enable(\"{}\")`) or disable the proposals \
             with `Config::wasm_simd(false)` and `Config::wasm_relaxed_simd(false)`",
            missing.join(", "),
            required
                .iter()
                .find(|(_, n)| *n == missing[0])
                .map_or("", |(f, _)| f),
        ))
    }

    /// Refuses a function using vector values on riscv64 without the V
    /// extension, for which Cranelift has no lowering (it would panic).
    fn check_vectors_supported(&self, func: &Function) -> WasmResult<()> {
        if self.isa.name() != "riscv64"
            || self
                .isa
                .isa_flags()
                .iter()
                .any(|v| v.name == "has_v" && v.as_bool() == Some(true))
        {
            return Ok(());
        }
        let uses_vectors = func
            .dfg
            .values()
            .any(|v| func.dfg.value_type(v).is_vector())
            || func
                .signature
                .params
                .iter()
                .any(|p| p.value_type.is_vector());
        if uses_vectors {
            return Err(WasmError::Unsupported(format!(
                "SIMD on `{}` needs the V extension: enable the Cranelift setting `has_v` \
                 (`Config::cranelift_flag_enable(\"has_v\")`) or disable the SIMD proposals",
                self.isa.triple()
            )));
        }
        Ok(())
    }

    /// The Cranelift target this compiler generates code for.
    pub fn isa(&self) -> &dyn TargetIsa {
        &*self.isa
    }

    fn take_context(&self) -> CompilerContext {
        self.contexts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| CompilerContext {
                codegen: Context::new(),
                builder: FunctionBuilderContext::new(),
            })
    }

    fn return_context(&self, mut ctx: CompilerContext) {
        ctx.codegen.clear();
        self.contexts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ctx);
    }

    /// Compiles `ctx.codegen.func` and converts the result; `loops` are the
    /// wasm byte ranges of its innermost loops.
    fn compile_context(
        &self,
        ctx: &mut CompilerContext,
        loops: &[Range<u32>],
    ) -> WasmResult<CompiledFunction> {
        let isa = &*self.isa;
        self.check_vectors_supported(&ctx.codegen.func)?;
        ctx.codegen
            .compile(isa, &mut ControlPlane::default())
            .map_err(|e| compile_error(e.func, e.inner))?;
        let code = ctx
            .codegen
            .compiled_code()
            .expect("compilation succeeded and left its code");
        finish::compiled_function(isa, &ctx.codegen.func, code, loops)
    }

    /// Runs `build` on a fresh function and compiles the result, recycling
    /// the context whatever happens. `build` returns the wasm byte ranges
    /// of the function's innermost loops (none for trampolines).
    fn compile_with(
        &self,
        name: UserFuncName,
        sig: Signature,
        build: impl FnOnce(&mut Function, &mut FunctionBuilderContext) -> WasmResult<Vec<Range<u32>>>,
    ) -> WasmResult<CompiledFunction> {
        let mut ctx = self.take_context();
        ctx.codegen.func = Function::with_name_signature(name, sig);
        let result = build(&mut ctx.codegen.func, &mut ctx.builder)
            .and_then(|loops| self.compile_context(&mut ctx, &loops));
        if result.is_ok() {
            self.return_context(ctx);
        }
        // On failure the builder context may hold partial state, so it is
        // dropped rather than reused.
        result
    }
}

/// Cranelift's ISA builder for `triple`, with that target's default ISA
/// settings. A backend left out of this build names the `all-arch` feature.
fn isa_builder_for(
    triple: &target_lexicon::Triple,
) -> Result<cranelift_codegen::isa::Builder, String> {
    use cranelift_codegen::isa::LookupError;
    use target_lexicon::Architecture;
    if matches!(
        triple.architecture,
        Architecture::Pulley32
            | Architecture::Pulley64
            | Architecture::Pulley32be
            | Architecture::Pulley64be
    ) {
        return Err(format!(
            "cannot compile for `{triple}`: Pulley targets are not supported (there is no \
             Pulley interpreter in this implementation)"
        ));
    }
    cranelift_codegen::isa::lookup(triple.clone()).map_err(|e| match e {
        LookupError::SupportDisabled => format!(
            "cannot compile for `{triple}`: the {} backend is not part of this build; enable \
             the `all-arch` Cargo feature of `wasmtime` to cross-compile",
            triple.architecture
        ),
        LookupError::Unsupported => {
            format!("cannot compile for `{triple}`: Cranelift does not support this target")
        }
    })
}

fn compile_error(func: &Function, err: cranelift_codegen::CodegenError) -> WasmError {
    use cranelift_codegen::CodegenError;
    match err {
        CodegenError::ImplLimitExceeded | CodegenError::CodeTooLarge => {
            WasmError::ImplLimitExceeded
        }
        CodegenError::Unsupported(s) => WasmError::Unsupported(s),
        err @ CodegenError::Verifier(_) => WasmError::User(format!(
            "Cranelift verifier error:\n{}",
            cranelift_codegen::print_errors::pretty_error(func, err)
        )),
        other => WasmError::User(format!("Cranelift compilation failed: {other}")),
    }
}

/// The Cranelift type of a wasm value type (references are pointer-sized).
pub(crate) fn value_type(ty: WasmValType) -> WasmResult<ir::Type> {
    Ok(match ty {
        WasmValType::I32 => ir::types::I32,
        WasmValType::I64 => ir::types::I64,
        WasmValType::F32 => ir::types::F32,
        WasmValType::F64 => ir::types::F64,
        WasmValType::Ref(_) => ir::types::I64,
        // One canonical vector type for every `v128` (see `func::simd`).
        WasmValType::V128 => ir::types::I8X16,
    })
}

/// The Cranelift signature of a wasm function of type `ty`:
/// `(callee_vmctx, caller_vmctx, params...) -> results` with `CallConv::Tail`,
/// or with `fuel`, `(callee_vmctx, caller_vmctx, fuel, params...) -> (fuel,
/// results...)`: the fuel counter travels in registers from call to call
/// (see `wasmtime_environ::vm_func_ref`).
pub(crate) fn wasm_signature(ty: &WasmFuncType, fuel: bool) -> WasmResult<Signature> {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::special(
        ir::types::I64,
        ArgumentPurpose::VMContext,
    ));
    sig.params.push(AbiParam::new(ir::types::I64));
    if fuel {
        sig.params.push(AbiParam::new(ir::types::I64));
        sig.returns.push(AbiParam::new(ir::types::I64));
    }
    for p in ty.params.iter() {
        sig.params.push(AbiParam::new(value_type(*p)?));
    }
    for r in ty.results.iter() {
        sig.returns.push(AbiParam::new(value_type(*r)?));
    }
    Ok(sig)
}

impl Compiler for CraneliftCompiler {
    fn compile_function(
        &self,
        module: &Module,
        offsets: &VMOffsets,
        tunables: &Tunables,
        index: DefinedFuncIndex,
        body: FunctionBodyData<'_>,
    ) -> WasmResult<CompiledFunction> {
        let func_index = module.func_index(index);
        let sig = wasm_signature(module.func_type(func_index), tunables.consume_fuel)?;
        self.compile_with(
            UserFuncName::user(0, index.as_u32()),
            sig,
            |func, builder_ctx| {
                let mut translator =
                    func::FuncTranslator::new(&*self.isa, module, offsets, tunables, func_index);
                translator.translate(func, builder_ctx, body)
            },
        )
    }

    fn compile_array_to_wasm_trampoline(
        &self,
        module: &Module,
        tunables: &Tunables,
        index: DefinedFuncIndex,
    ) -> WasmResult<CompiledFunction> {
        let ty = module.func_type(module.func_index(index));
        self.compile_with(
            UserFuncName::user(1, index.as_u32()),
            trampolines::array_call_signature(self.isa.default_call_conv()),
            |func, builder_ctx| {
                trampolines::build_array_to_wasm(
                    &*self.isa,
                    func,
                    builder_ctx,
                    ty,
                    index,
                    tunables.consume_fuel,
                )?;
                Ok(Vec::new())
            },
        )
    }

    fn compile_wasm_to_array_trampoline(
        &self,
        ty: &WasmFuncType,
        tunables: &Tunables,
    ) -> WasmResult<CompiledFunction> {
        self.compile_with(
            UserFuncName::user(2, 0),
            wasm_signature(ty, tunables.consume_fuel)?,
            |func, builder_ctx| {
                trampolines::build_wasm_to_array(&*self.isa, func, builder_ctx, ty, tunables)?;
                Ok(Vec::new())
            },
        )
    }

    fn fingerprint(&self) -> String {
        use std::fmt::Write;
        let mut s = format!(
            "cranelift-{}/{}",
            env!("CARGO_PKG_VERSION"),
            self.isa.triple()
        );
        for line in self.isa.flags().to_string().lines() {
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('[') {
                let _ = write!(s, ";{line}");
            }
        }
        for flag in self.isa.isa_flags() {
            let _ = write!(s, ";{flag}");
        }
        let _ = write!(s, ";cranelift_abi={CRANELIFT_ABI_FINGERPRINT:016x}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_environ::{translate_module, LibCall, RelocationKind, RelocationTarget};

    /// Without SSE4.1 and FMA, rounding and fused multiply-add are calls to
    /// the runtime, reported as `LibCall` relocations.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn libcalls_without_sse41() {
        let mut isa_builder = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
            .expect("x86_64 backend is built");
        isa_builder.set("has_sse41", "false").unwrap();
        isa_builder.set("has_fma", "false").unwrap();
        let compiler = CraneliftCompiler::with_isa_builder(
            &CompilerConfig {
                enable_verifier: true,
                ..CompilerConfig::default()
            },
            isa_builder,
        )
        .unwrap();
        let wasm = wat::parse_str(
            r#"(module
                (func (param f32) (result f32) local.get 0 f32.floor)
                (func (param f64) (result f64) local.get 0 f64.nearest)
                (func (param f32) (result f32) local.get 0 f32.ceil)
                (func (param f64) (result f64) local.get 0 f64.trunc))"#,
        )
        .unwrap();
        let features = wasmparser::WasmFeatures::WASM2 - wasmparser::WasmFeatures::SIMD;
        let translation = translate_module(features, &wasm).unwrap();
        let offsets = VMOffsets::new(&translation.module);
        let expected = [
            LibCall::FloorF32,
            LibCall::NearestF64,
            LibCall::CeilF32,
            LibCall::TruncF64,
        ];
        for ((index, body), expected) in translation.function_bodies.into_iter().zip(expected) {
            let f = compiler
                .compile_function(
                    &translation.module,
                    &offsets,
                    &Tunables::default(),
                    index,
                    body,
                )
                .unwrap();
            assert_eq!(f.relocations.len(), 1, "{expected:?}");
            let r = f.relocations[0];
            assert_eq!(r.kind, RelocationKind::Abs8);
            assert_eq!(r.target, RelocationTarget::LibCall(expected));
        }
    }

    /// SIMD needs SSE4.1 and SSSE3 on x86_64; without them the check names
    /// what is missing.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_requires_sse41() {
        let isa_for = |disable: &[&str]| {
            let mut b = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
                .expect("x86_64 backend is built");
            for flag in ["has_sse3", "has_ssse3", "has_sse41"] {
                b.set(
                    flag,
                    if disable.contains(&flag) {
                        "false"
                    } else {
                        "true"
                    },
                )
                .unwrap();
            }
            CraneliftCompiler::with_isa_builder(&CompilerConfig::default(), b).unwrap()
        };
        assert!(isa_for(&[]).check_simd_support().is_ok());
        let err = isa_for(&["has_sse41"]).check_simd_support().unwrap_err();
        assert!(err.contains("SSE4.1") && !err.contains("SSSE3"), "{err}");
        let err = isa_for(&["has_ssse3", "has_sse41"])
            .check_simd_support()
            .unwrap_err();
        assert!(err.contains("SSSE3, SSE4.1"), "{err}");
    }

    #[test]
    fn default_config() {
        let config = CompilerConfig::default();
        assert_eq!(config.opt_level, OptLevel::Speed);
        assert_eq!(config.enable_verifier, cfg!(debug_assertions));
        assert!(!config.nan_canonicalization);
    }
}
