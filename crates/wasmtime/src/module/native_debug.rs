//! `Config::debug_info`: describes a module's native code to debuggers
//! attached to the process. The module's DWARF (when it has some) is
//! rewritten for the native addresses of its functions
//! (`wasmtime_cranelift::debug`), packed with a symbol per function into an
//! ELF image, and registered with GDB's JIT interface
//! (`wasmtime_runtime::gdb_jit`) for as long as the module lives.

use anyhow::Result;
use wasmtime_cranelift::debug;
use wasmtime_environ::Module as EnvModule;
use wasmtime_runtime::code_memory::CodeMemory;
use wasmtime_runtime::gdb_jit::GdbJitImageRegistration;

/// Builds and registers the debug image of a module's code.
pub(crate) fn register(module: &EnvModule, code: &CodeMemory) -> Result<GdbJitImageRegistration> {
    let text = code.text_range();
    let funcs = debug::module_functions(module, code.functions(), text.start as u64, |index| {
        let mut name = String::new();
        let _ = crate::symbolize::write_func_name(
            &mut name,
            module.func_names.get(&index).map(String::as_str),
            index.as_u32(),
        );
        name
    });
    // DWARF that cannot be converted (damaged, or using forms the
    // converter refuses) costs the source view, not the module: the image
    // then has symbols only.
    let dwarf = module
        .debug_info
        .as_ref()
        .and_then(|dwarf| debug::transform_dwarf(dwarf, &funcs, &debug::vm_layout(module)).ok())
        .unwrap_or_default();
    let image = debug::create_image(text.start as u64..text.end as u64, &funcs, &dwarf)?;
    Ok(GdbJitImageRegistration::register(image))
}
