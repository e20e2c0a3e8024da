//! Precompiled artifacts (`.cwasm`): an ELF object holding a module's
//! machine code and everything needed to map it again without compiling.
//!
//! Sections (all written with the `object` crate):
//!
//! * `.text`: the module's code, laid out exactly as in memory (each defined
//!   function's body followed by its array-call entry), with one symbol per
//!   function. Relocation sites hold whatever was there; they are patched
//!   again on load.
//! * `.wasmtime.trampolines`: the wasm-to-host entries for each function
//!   type of the module, so that a build without a compiler can still call
//!   host functions.
//! * `.wasmtime.info`: postcard encoding of [`Info`]: the `Module`
//!   description, and per text section the function layout (offset, length,
//!   address map), relocations and trap sites.
//! * `.wasmtime.engine`: the version string, a NUL byte, then the postcard
//!   encoding of [`EngineSettings`] (compiler fingerprint, tunables, wasm
//!   features, and `wasmtime_environ::ABI_FINGERPRINT`, which changes with
//!   any edit to the `VMContext` layouts, the builtin list or the trap
//!   codes).
//! * `.wasmtime.checksum`: a CRC-32 of the four sections above.
//!
//! Loading checks, in order: ELF structure, version, checksum, settings,
//! then every offset and length in the metadata, before anything is mapped
//! executable.

use crate::{Engine, Precompiled};
use anyhow::{anyhow, bail, Context, Result};
use object::read::elf::ElfFile64;
use object::{Object as _, ObjectSection as _};
use serde::{Deserialize, Serialize};
use wasmtime_environ::wasmparser::WasmFeatures;
use wasmtime_environ::{
    CodeBuilder, CodeParts, ConstExpr, ConstOp, DataKind, ElementItems, ElementKind, EntityIndex,
    EntityRef, ExceptionSite, FunctionLayout, Module as EnvModule, Relocation, TrapSite,
    WasmFuncType,
};
#[cfg(feature = "runtime")]
use {crate::Module, std::sync::Arc, wasmtime_runtime::code_memory::CodeMemory};

/// Identifies the producer and the artifact format; artifacts with another
/// version string are rejected.
pub(crate) const VERSION: &str = concat!("wasmtime-ours ", env!("CARGO_PKG_VERSION"), " cwasm-6");

const SECTION_TEXT: &str = ".text";
const SECTION_TRAMPOLINES: &str = ".wasmtime.trampolines";
const SECTION_INFO: &str = ".wasmtime.info";
const SECTION_ENGINE: &str = ".wasmtime.engine";
const SECTION_CHECKSUM: &str = ".wasmtime.checksum";

/// Compiler settings that do not change the generated code and so are not
/// compared.
const IGNORED_COMPILER_SETTINGS: &[&str] = &["enable_verifier"];

/// Tunables that change only the layout of the generated code, or only
/// what the runtime does, so that an artifact runs in an engine configured
/// either way (as in Wasmtime); not compared.
const IGNORED_TUNABLES: &[&str] = &[
    "branch_hinting",
    "parse_wasm_debuginfo",
    "generate_native_debuginfo",
    "memory_guaranteed_dense_image_size",
    "memory_reservation_for_growth",
    "guard_before_linear_memory",
];

/// The engine settings an artifact depends on.
#[derive(Serialize, Deserialize, Hash, PartialEq, Eq, Debug, Clone)]
pub(crate) struct EngineSettings {
    /// `Compiler::fingerprint()`: `producer/target;flag=value;...`, or
    /// `None` for an engine without a compiler.
    compiler: Option<String>,
    /// `Tunables` as `name: value` pairs.
    tunables: Vec<(String, String)>,
    /// `WasmFeatures` bits.
    features: u64,
    /// `VERSION`, so the hash covers it too.
    version: String,
    /// `wasmtime_environ::ABI_FINGERPRINT`: the `VMContext` layouts, the
    /// builtin list and the trap codes the code was compiled against.
    abi: u64,
}

impl EngineSettings {
    pub(crate) fn of(engine: &Engine) -> EngineSettings {
        #[cfg(feature = "cranelift")]
        let compiler = Some(engine.compiler().fingerprint());
        #[cfg(not(feature = "cranelift"))]
        let compiler = None;
        EngineSettings {
            compiler,
            tunables: debug_fields(&format!("{:?}", engine.config().tunables)),
            features: engine.config().features.bits(),
            version: VERSION.to_string(),
            abi: wasmtime_environ::ABI_FINGERPRINT,
        }
    }

    /// Checks that code produced under `self` (an artifact's settings) can
    /// run in `engine`, naming the first difference.
    fn check_compatible(&self, engine: &EngineSettings) -> Result<()> {
        if self.version != engine.version {
            bail!(
                "Module was compiled with incompatible version '{}' (this runtime is '{VERSION}')",
                self.version
            );
        }
        if self.abi != engine.abi {
            bail!(
                "Module was compiled against a different runtime ABI (VMContext layout, builtin \
                 list or trap codes: artifact {:#018x}, this runtime {:#018x}); recompile the module",
                self.abi,
                engine.abi
            );
        }
        let Some(artifact) = &self.compiler else {
            bail!("precompiled module records no compiler settings");
        };
        match &engine.compiler {
            Some(ours) => check_compiler_settings(artifact, ours)?,
            None => check_host_supports(artifact)?,
        }
        for (name, value) in &self.tunables {
            if IGNORED_TUNABLES.contains(&name.as_str()) {
                continue;
            }
            let ours = engine.tunables.iter().find(|(n, _)| n == name);
            match ours {
                Some((_, v)) if v == value => {}
                Some((_, v)) => bail!(
                    "Module was compiled with a different tunable: `{name}` is `{value}` in the \
                     module but `{v}` in this engine's configuration"
                ),
                None => bail!(
                    "Module was compiled with tunable `{name}` = `{value}`, which this engine \
                     does not know"
                ),
            }
        }
        if let Some((name, v)) = engine.tunables.iter().find(|(n, _)| {
            !IGNORED_TUNABLES.contains(&n.as_str()) && !self.tunables.iter().any(|(m, _)| m == n)
        }) {
            bail!("Module was compiled without tunable `{name}` (this engine has `{v}`)");
        }
        if self.features != engine.features {
            let theirs = WasmFeatures::from_bits_retain(self.features);
            let ours = WasmFeatures::from_bits_retain(engine.features);
            let describe = |f: WasmFeatures| {
                let names: Vec<&str> = f.iter_names().map(|(n, _)| n).collect();
                if names.is_empty() {
                    format!("{:#x}", f.bits())
                } else {
                    names.join(", ")
                }
            };
            let mut parts = Vec::new();
            if !(theirs - ours).is_empty() {
                parts.push(format!(
                    "enabled in the module but not in this engine: {}",
                    describe(theirs - ours)
                ));
            }
            if !(ours - theirs).is_empty() {
                parts.push(format!(
                    "enabled in this engine but not in the module: {}",
                    describe(ours - theirs)
                ));
            }
            bail!(
                "Module was compiled with different WebAssembly features ({})",
                parts.join("; ")
            );
        }
        Ok(())
    }
}

/// Splits a `Name { a: 1, b: true }` debug string into `(a, 1), (b, true)`.
fn debug_fields(s: &str) -> Vec<(String, String)> {
    let inner = match (s.find('{'), s.rfind('}')) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => return vec![(String::new(), s.to_string())],
    };
    inner
        .split(", ")
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| match f.split_once(": ") {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (f.to_string(), String::new()),
        })
        .collect()
}

/// `(producer/target, [(flag, value)])` of a compiler fingerprint.
fn parse_fingerprint(s: &str) -> (&str, Vec<(&str, &str)>) {
    let mut parts = s.split(';');
    let head = parts.next().unwrap_or("");
    let flags = parts
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, _)| !IGNORED_COMPILER_SETTINGS.contains(k))
        .collect();
    (head, flags)
}

fn check_compiler_settings(artifact: &str, engine: &str) -> Result<()> {
    let (a_head, a_flags) = parse_fingerprint(artifact);
    let (e_head, e_flags) = parse_fingerprint(engine);
    if a_head != e_head {
        bail!(
            "Module was compiled by a different compiler or for a different target: \
             `{a_head}` (this engine: `{e_head}`)"
        );
    }
    for (name, value) in &a_flags {
        match e_flags.iter().find(|(n, _)| n == name) {
            Some((_, v)) if v == value => {}
            Some((_, v)) => bail!(
                "Module was compiled with a different compiler setting: `{name}` is `{value}` \
                 in the module but `{v}` in this engine"
            ),
            None => bail!(
                "Module was compiled with compiler setting `{name}` = `{value}`, which this \
                 engine does not have"
            ),
        }
    }
    if let Some((name, v)) = e_flags
        .iter()
        .find(|(n, _)| !a_flags.iter().any(|(m, _)| m == n))
    {
        bail!("Module was compiled without compiler setting `{name}` (this engine has `{v}`)");
    }
    Ok(())
}

/// Without a compiler we cannot recompute the expected settings; instead
/// check that the code targets this architecture and that every CPU feature
/// it was compiled to use is present on this host.
fn check_host_supports(artifact: &str) -> Result<()> {
    let (head, flags) = parse_fingerprint(artifact);
    let target = head.split_once('/').map(|(_, t)| t).unwrap_or(head);
    let arch = target.split('-').next().unwrap_or("");
    if arch != std::env::consts::ARCH {
        bail!(
            "Module was compiled for target `{target}`, but this host is `{}`",
            std::env::consts::ARCH
        );
    }
    for (name, value) in flags {
        let Some(feature) = name.strip_prefix("has_") else {
            continue;
        };
        if value != "true" {
            continue;
        }
        match host_has_feature(feature) {
            Some(true) => {}
            Some(false) => bail!(
                "Module was compiled to use the CPU feature `{feature}`, which this host lacks"
            ),
            None => bail!(
                "Module was compiled to use the CPU feature `{feature}`, which this build \
                 cannot check on this host"
            ),
        }
    }
    Ok(())
}

#[cfg(target_arch = "x86_64")]
fn host_has_feature(name: &str) -> Option<bool> {
    Some(match name {
        "sse3" => std::is_x86_feature_detected!("sse3"),
        "ssse3" => std::is_x86_feature_detected!("ssse3"),
        "sse41" => std::is_x86_feature_detected!("sse4.1"),
        "sse42" => std::is_x86_feature_detected!("sse4.2"),
        "popcnt" => std::is_x86_feature_detected!("popcnt"),
        "avx" => std::is_x86_feature_detected!("avx"),
        "avx2" => std::is_x86_feature_detected!("avx2"),
        "fma" => std::is_x86_feature_detected!("fma"),
        "bmi1" => std::is_x86_feature_detected!("bmi1"),
        "bmi2" => std::is_x86_feature_detected!("bmi2"),
        "lzcnt" => std::is_x86_feature_detected!("lzcnt"),
        "cmpxchg16b" => std::is_x86_feature_detected!("cmpxchg16b"),
        "f16c" => std::is_x86_feature_detected!("f16c"),
        "avx512bitalg" => std::is_x86_feature_detected!("avx512bitalg"),
        "avx512dq" => std::is_x86_feature_detected!("avx512dq"),
        "avx512f" => std::is_x86_feature_detected!("avx512f"),
        "avx512vl" => std::is_x86_feature_detected!("avx512vl"),
        "avx512vbmi" => std::is_x86_feature_detected!("avx512vbmi"),
        _ => return None,
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn host_has_feature(_name: &str) -> Option<bool> {
    None
}

/// Where one function lies in the text, and its address map.
#[derive(Serialize, Deserialize)]
struct FunctionRecord {
    start: u32,
    len: u32,
    /// `(code offset, wasm offset)` pairs, packed (the largest metadata of
    /// a big module: one entry per instruction that starts a new wasm
    /// offset).
    #[serde(with = "wasmtime_environ::serde_packed::u32_pairs")]
    address_map: Vec<(u32, u32)>,
    /// Where the wasm locals live, for native debuggers (empty unless
    /// compiled with `Config::debug_info`).
    value_labels: Vec<wasmtime_environ::ValueLabelRange>,
    /// Call frame information for native debuggers (empty unless
    /// compiled with `Config::debug_info`).
    frame_info: Vec<u8>,
}

/// Layout and metadata of one text section.
#[derive(Serialize, Deserialize)]
struct CodeInfo {
    /// `(start, len, address map)` per function, in append order.
    functions: Vec<FunctionRecord>,
    /// `(function, relocation)`.
    relocations: Vec<(u32, Relocation)>,
    /// `(text offset, trap site)`.
    traps: Vec<(u32, TrapSite)>,
    /// `(text offset of the return address, handlers)`.
    exception_sites: Vec<(u32, wasmtime_environ::ExceptionSite)>,
    /// Stack maps of calls (GC roots), by text offset.
    #[serde(default)]
    stack_maps: Vec<wasmtime_environ::StackMap>,
}

impl CodeInfo {
    fn of(
        functions: &[FunctionLayout],
        relocations: &[(u32, Relocation)],
        traps: &[(u32, TrapSite)],
        exception_sites: &[(u32, ExceptionSite)],
        stack_maps: &[wasmtime_environ::StackMap],
    ) -> CodeInfo {
        CodeInfo {
            functions: functions
                .iter()
                .map(|f| FunctionRecord {
                    start: f.start,
                    len: f.len,
                    address_map: f.address_map.clone(),
                    value_labels: f.value_labels.clone(),
                    frame_info: f.frame_info.clone(),
                })
                .collect(),
            relocations: relocations.to_vec(),
            traps: traps.to_vec(),
            exception_sites: exception_sites.to_vec(),
            stack_maps: stack_maps.to_vec(),
        }
    }

    fn into_parts(self) -> CodeParts {
        let functions = self
            .functions
            .into_iter()
            .map(|f| FunctionLayout {
                start: f.start,
                len: f.len,
                address_map: f.address_map,
                value_labels: f.value_labels,
                frame_info: f.frame_info,
            })
            .collect();
        CodeParts {
            functions,
            relocations: self.relocations,
            traps: self.traps,
            exception_sites: self.exception_sites,
            stack_maps: self.stack_maps,
        }
    }
}

/// A module's text and its metadata, either just laid out by the compiler
/// (a compile-only build) or already mapped (`Module::serialize`).
pub(crate) struct CodeView<'a> {
    text: &'a [u8],
    info: CodeInfo,
}

impl<'a> CodeView<'a> {
    /// Code laid out but not mapped (relocation sites unpatched).
    pub(crate) fn of_builder(code: &'a CodeBuilder) -> CodeView<'a> {
        CodeView {
            text: code.text(),
            info: CodeInfo::of(
                code.functions(),
                code.relocations(),
                code.traps(),
                code.exception_sites(),
                code.stack_maps(),
            ),
        }
    }

    /// Mapped code (its relocation sites hold this process's addresses,
    /// which loading overwrites).
    #[cfg(feature = "runtime")]
    pub(crate) fn of_memory(code: &'a CodeMemory) -> CodeView<'a> {
        CodeView {
            text: code.text(),
            info: CodeInfo::of(
                code.functions(),
                code.relocations(),
                code.traps(),
                code.exception_sites(),
                code.stack_maps(),
            ),
        }
    }
}

/// Contents of `.wasmtime.info` (`M` is `&EnvModule` when writing).
#[derive(Serialize, Deserialize)]
struct Info<M> {
    module: M,
    code: CodeInfo,
    trampolines: CodeInfo,
    /// The type of each trampoline, in append order.
    trampoline_types: Vec<WasmFuncType>,
}

fn checksum(sections: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for s in sections {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s);
    }
    h.finalize()
}

/// Writes the artifact for `module` compiled to `code` by `engine`.
#[cfg(feature = "cranelift")]
pub(crate) fn serialize(
    engine: &Engine,
    module: &EnvModule,
    code: CodeView<'_>,
) -> Result<Vec<u8>> {
    use object::write::{Object, StandardSegment, Symbol, SymbolSection};
    use object::{BinaryFormat, SectionKind, SymbolFlags, SymbolKind, SymbolScope};

    // The wasm-to-host entries of every distinct function type.
    let mut trampoline_types: Vec<WasmFuncType> = Vec::new();
    for ty in module.types.values().filter_map(|t| t.as_func()) {
        if !trampoline_types.contains(ty) {
            trampoline_types.push(ty.clone());
        }
    }
    let mut builder = CodeBuilder::new();
    for ty in &trampoline_types {
        let compiled = engine
            .compiler()
            .compile_wasm_to_array_trampoline(ty, &engine.config().tunables)?;
        builder.append(&compiled);
    }
    let trampolines = CodeView::of_builder(&builder);
    let CodeView {
        text: code_text,
        info: code_info,
    } = code;
    let functions: Vec<(u32, u32)> = code_info
        .functions
        .iter()
        .map(|f| (f.start, f.len))
        .collect();

    let info = Info {
        module,
        code: code_info,
        trampolines: trampolines.info,
        trampoline_types,
    };
    let info = postcard::to_allocvec(&info).context("failed to encode module metadata")?;
    let mut engine_section = VERSION.as_bytes().to_vec();
    engine_section.push(0);
    engine_section.extend(
        postcard::to_allocvec(&EngineSettings::of(engine))
            .context("failed to encode engine settings")?,
    );
    let sum = checksum(&[&engine_section, &info, code_text, trampolines.text]);

    // The ELF machine and byte order of the engine's target.
    let (arch, endian) = crate::target::object_arch(&engine.target())?;
    let mut obj = Object::new(BinaryFormat::Elf, arch, endian);
    let text_segment = obj.segment_name(StandardSegment::Text).to_vec();
    let data_segment = obj.segment_name(StandardSegment::Data).to_vec();
    let text = obj.add_section(
        text_segment.clone(),
        SECTION_TEXT.as_bytes().to_vec(),
        SectionKind::Text,
    );
    obj.append_section_data(text, code_text, u64::from(wasmtime_environ::CODE_LINE));
    for (i, &(start, len)) in functions.iter().enumerate() {
        let name = if i % 2 == 0 {
            format!(
                "wasm[0]::function[{}]",
                module
                    .func_index(wasmtime_environ::DefinedFuncIndex::new(i / 2))
                    .as_u32()
            )
        } else {
            format!("wasm[0]::array_to_wasm_trampoline[{}]", i / 2)
        };
        obj.add_symbol(Symbol {
            name: name.into_bytes(),
            value: start.into(),
            size: len.into(),
            kind: SymbolKind::Text,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    let tramp = obj.add_section(
        text_segment,
        SECTION_TRAMPOLINES.as_bytes().to_vec(),
        SectionKind::Text,
    );
    obj.append_section_data(tramp, trampolines.text, 16);
    for (name, data) in [
        (SECTION_INFO, &info[..]),
        (SECTION_ENGINE, &engine_section[..]),
        (SECTION_CHECKSUM, &sum.to_le_bytes()[..]),
    ] {
        let id = obj.add_section(
            data_segment.clone(),
            name.as_bytes().to_vec(),
            SectionKind::ReadOnlyData,
        );
        obj.append_section_data(id, data, 1);
    }
    obj.write()
        .map_err(|e| anyhow!("failed to write artifact: {e}"))
}

type Elf<'a> = ElfFile64<'a, object::Endianness>;

fn section<'a>(file: &Elf<'a>, name: &str) -> Result<&'a [u8]> {
    let section = file
        .section_by_name(name)
        .ok_or_else(|| anyhow!("precompiled module is missing the `{name}` section"))?;
    section
        .data()
        .map_err(|e| anyhow!("precompiled module's `{name}` section is invalid: {e}"))
}

pub(crate) fn detect_precompiled(bytes: &[u8]) -> Option<Precompiled> {
    let file = Elf::parse(bytes).ok()?;
    file.section_by_name(SECTION_ENGINE)?;
    Some(Precompiled::Module)
}

/// The target named by the compiler settings of an engine section, if
/// they can be decoded (for error messages only).
#[cfg(feature = "runtime")]
fn recorded_target(engine_section: &[u8]) -> Option<String> {
    let nul = engine_section.iter().position(|b| *b == 0)?;
    let settings: EngineSettings = postcard::from_bytes(&engine_section[nul + 1..]).ok()?;
    let (head, _) = parse_fingerprint(settings.compiler.as_deref()?);
    head.split_once('/').map(|(_, t)| t.to_string())
}

/// Loads an artifact written by [`serialize`], checking it first.
#[cfg(feature = "runtime")]
pub(crate) fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    engine.check_compatible_with_native_host()?;
    let file = Elf::parse(bytes).map_err(|e| {
        anyhow!("bytes are not a precompiled module: not a valid 64-bit ELF file ({e})")
    })?;
    if file.section_by_name(SECTION_ENGINE).is_none() {
        bail!(
            "bytes are not a precompiled module: this ELF file has no `{SECTION_ENGINE}` section"
        );
    }
    let engine_section = section(&file, SECTION_ENGINE)?;
    // Code for another architecture is refused first, whatever else differs.
    crate::target::check_artifact_arch(
        file.architecture(),
        recorded_target(engine_section).as_deref(),
        &engine.target(),
    )?;
    let nul = engine_section
        .iter()
        .position(|b| *b == 0)
        .ok_or_else(|| anyhow!("precompiled module is corrupted: no version string"))?;
    let version = String::from_utf8_lossy(&engine_section[..nul]);
    if version != VERSION {
        if !version.starts_with("wasmtime-ours ") {
            let shown: String = version.chars().take(64).collect();
            bail!(
                "Module was compiled with incompatible version '{}': not an artifact of this \
                 implementation (this runtime is '{VERSION}'); recompile the module",
                shown.escape_debug()
            );
        }
        bail!("Module was compiled with incompatible version '{version}' (this runtime is '{VERSION}')");
    }

    let info = section(&file, SECTION_INFO)?;
    let text = section(&file, SECTION_TEXT)?;
    let tramp_text = section(&file, SECTION_TRAMPOLINES)?;
    let sum = section(&file, SECTION_CHECKSUM)?;
    let expected = checksum(&[engine_section, info, text, tramp_text]);
    if sum != expected.to_le_bytes() {
        bail!("precompiled module is corrupted: checksum mismatch");
    }

    let settings: EngineSettings = postcard::from_bytes(&engine_section[nul + 1..])
        .map_err(|e| anyhow!("precompiled module is corrupted: bad engine settings ({e})"))?;
    settings.check_compatible(&EngineSettings::of(engine))?;

    let info: Info<EnvModule> = postcard::from_bytes(info)
        .map_err(|e| anyhow!("precompiled module is corrupted: bad metadata ({e})"))?;
    check_module(&info.module).context("precompiled module is corrupted")?;
    if info.trampoline_types.len() != info.trampolines.functions.len() {
        bail!("precompiled module is corrupted: trampoline count mismatch");
    }

    let code = info.code.into_parts();
    let trampolines = info.trampolines.into_parts();
    let n = info.module.num_defined_funcs();
    if code.functions.len() != 2 * n {
        bail!(
            "precompiled module is corrupted: {} functions for {n} defined functions",
            code.functions.len()
        );
    }
    let code = Arc::new(CodeMemory::from_parts(
        text,
        code,
        crate::module::resolve_body,
    )?);
    let trampolines = Arc::new(CodeMemory::from_parts(tramp_text, trampolines, |_| {
        u32::MAX
    })?);
    // Each trampoline serves the module's types of that signature; their
    // engine ids come from registering the module's recursion groups.
    let ids = engine.register_module_types(&info.module);
    let entries: Vec<_> = info
        .trampoline_types
        .iter()
        .enumerate()
        .filter_map(|(i, ty)| {
            let index = info
                .module
                .types
                .values()
                .position(|t| t.as_func() == Some(ty))?;
            Some((*ids.get(index)?, i as u32))
        })
        .collect();
    if engine.add_host_trampolines(&trampolines, entries) {
        wasmtime_runtime::traphandlers::register_code(trampolines);
    }
    Module::from_parts(engine, Arc::new(info.module), code)
}

/// Checks that every index in a decoded module description is in range,
/// so that nothing later indexes out of bounds.
#[cfg(feature = "runtime")]
fn check_module(m: &EnvModule) -> Result<()> {
    let nfuncs = m.functions.len();
    let ntables = m.tables.len();
    let nmems = m.memories.len();
    let nglobals = m.globals.len();
    if m.functions.values().any(|t| t.index() >= m.types.len()) {
        bail!("function type out of range");
    }
    if m.num_imported_funcs > nfuncs
        || m.num_imported_tables > ntables
        || m.num_imported_memories > nmems
        || m.num_imported_globals > nglobals
    {
        bail!("import counts out of range");
    }
    if m.global_initializers.len() != nglobals - m.num_imported_globals
        || m.table_initializers.len() != ntables - m.num_imported_tables
    {
        bail!("initializer counts do not match");
    }
    if m.memories.values().any(|mem| mem.page_size_log2 > 16) {
        bail!("memory page size out of range");
    }
    let entity = |e: &EntityIndex| match *e {
        EntityIndex::Function(i) => i.index() < nfuncs,
        EntityIndex::Table(i) => i.index() < ntables,
        EntityIndex::Memory(i) => i.index() < nmems,
        EntityIndex::Global(i) => i.index() < nglobals,
        EntityIndex::Tag(i) => i.index() < m.tags.len(),
    };
    if m.tags.values().any(|t| t.index() >= m.types.len()) {
        bail!("tag type out of range");
    }
    let mut counts = [0usize; 5];
    for import in &m.imports {
        if !entity(&import.index) {
            bail!("import index out of range");
        }
        let (k, i) = match import.index {
            EntityIndex::Function(i) => (0, i.index()),
            EntityIndex::Table(i) => (1, i.index()),
            EntityIndex::Memory(i) => (2, i.index()),
            EntityIndex::Global(i) => (3, i.index()),
            EntityIndex::Tag(i) => (4, i.index()),
        };
        if i != counts[k] {
            bail!("imports out of order");
        }
        counts[k] += 1;
    }
    if counts
        != [
            m.num_imported_funcs,
            m.num_imported_tables,
            m.num_imported_memories,
            m.num_imported_globals,
            m.num_imported_tags,
        ]
    {
        bail!("import counts do not match the imports");
    }
    if !m.exports.iter().all(|e| entity(&e.index)) {
        bail!("export index out of range");
    }
    if m.start_func.is_some_and(|f| f.index() >= nfuncs) {
        bail!("start function out of range");
    }
    let expr_ok = |e: &ConstExpr| {
        e.ops.iter().all(|op| match op {
            ConstOp::GlobalGet(g) => g.index() < nglobals,
            ConstOp::RefFunc(f) => f.index() < nfuncs,
            ConstOp::StructNew(t) | ConstOp::StructNewDefault(t) => m
                .types
                .get(*t)
                .is_some_and(|t| t.kind() == wasmtime_environ::WasmTypeKind::Struct),
            ConstOp::ArrayNew(t) | ConstOp::ArrayNewDefault(t) | ConstOp::ArrayNewFixed(t, _) => m
                .types
                .get(*t)
                .is_some_and(|t| t.kind() == wasmtime_environ::WasmTypeKind::Array),
            _ => true,
        })
    };
    if !m.global_initializers.values().all(expr_ok)
        || !m.table_initializers.values().flatten().all(expr_ok)
    {
        bail!("initializer expression out of range");
    }
    for seg in m.elements.values() {
        if let ElementKind::Active { table, offset } = &seg.kind {
            if table.index() >= ntables || !expr_ok(offset) {
                bail!("element segment out of range");
            }
        }
        let ok = match &seg.items {
            ElementItems::Functions(f) => f.iter().all(|f| f.index() < nfuncs),
            ElementItems::Expressions(e) => e.iter().all(expr_ok),
        };
        if !ok {
            bail!("element segment item out of range");
        }
    }
    for seg in m.data.values() {
        if let DataKind::Active { memory, offset } = &seg.kind {
            if memory.index() >= nmems || !expr_ok(offset) {
                bail!("data segment out of range");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_fields_split() {
        assert_eq!(
            debug_fields("T { a: 1, b: true }"),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "true".to_string())
            ]
        );
    }

    #[test]
    fn compiler_settings_name_the_difference() {
        let a = "cl/x86_64;opt_level=speed;enable_verifier=true;has_avx=true";
        let b = "cl/x86_64;opt_level=none;enable_verifier=false;has_avx=true";
        let err = check_compiler_settings(a, b).unwrap_err().to_string();
        assert!(err.contains("opt_level"), "{err}");
        assert!(check_compiler_settings(a, a).is_ok());
        // The verifier does not change the code.
        let c = "cl/x86_64;opt_level=speed;enable_verifier=false;has_avx=true";
        assert!(check_compiler_settings(a, c).is_ok());
        let err = check_compiler_settings(a, "cl/aarch64;opt_level=speed")
            .unwrap_err()
            .to_string();
        assert!(err.contains("aarch64"), "{err}");
    }

    #[test]
    fn a_different_abi_is_refused() {
        let engine = crate::Engine::default();
        let ours = EngineSettings::of(&engine);
        assert!(ours.check_compatible(&ours).is_ok());
        let mut theirs = ours.clone();
        theirs.abi ^= 1;
        let err = theirs.check_compatible(&ours).unwrap_err().to_string();
        assert!(err.contains("different runtime ABI"), "{err}");
    }
}
