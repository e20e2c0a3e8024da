//! `Config::debug_info`: describes a module's native code to debuggers
//! attached to the process. The module's DWARF (when it has some) is
//! rewritten for the native addresses of its functions
//! (`wasmtime_cranelift::debug`), packed with a symbol per function into an
//! ELF image, and registered with GDB's JIT interface
//! (`wasmtime_runtime::gdb_jit`) for as long as the module lives.

use anyhow::Result;
use wasmtime_cranelift::debug::{self, NativeFunction};
use wasmtime_environ::{DefinedFuncIndex, Module as EnvModule};
use wasmtime_runtime::code_memory::CodeMemory;
use wasmtime_runtime::gdb_jit::GdbJitImageRegistration;

/// Builds and registers the debug image of a module's code.
pub(crate) fn register(module: &EnvModule, code: &CodeMemory) -> Result<GdbJitImageRegistration> {
    let n = module.num_defined_funcs();
    let layouts = code.functions();
    let mut funcs = Vec::with_capacity(2 * n);
    for i in 0..n {
        let def = DefinedFuncIndex::from_u32(i as u32);
        let index = module.func_index(def);
        let mut name = String::new();
        let _ = crate::symbolize::write_func_name(
            &mut name,
            module.func_names.get(&index).map(String::as_str),
            index.as_u32(),
        );
        let body = &layouts[2 * i];
        let start = u64::from(module.func_body_offsets[def]);
        // A body ends where the next begins (its size field included, which
        // no instruction maps to); the last at its last instruction.
        let end = match module
            .func_body_offsets
            .get(DefinedFuncIndex::from_u32(i as u32 + 1))
        {
            Some(&next) => u64::from(next),
            None => body
                .address_map
                .iter()
                .map(|&(_, w)| u64::from(w) + 1)
                .max()
                .unwrap_or(start + 1),
        };
        let range = code.func_range(2 * i as u32);
        funcs.push(NativeFunction {
            name: name.clone(),
            wasm_body: Some(start..end.max(start)),
            native: range.start as u64..range.end as u64,
            address_map: &body.address_map,
        });
        let range = code.func_range(2 * i as u32 + 1);
        funcs.push(NativeFunction {
            name: format!("array_call {name}"),
            wasm_body: None,
            native: range.start as u64..range.end as u64,
            address_map: &[],
        });
    }
    let dwarf = match &module.debug_info {
        Some(dwarf) => debug::transform_dwarf(dwarf, &funcs)?,
        None => Vec::new(),
    };
    let text = code.text_range();
    let image = debug::create_image(text.start as u64..text.end as u64, &funcs, &dwarf)?;
    Ok(GdbJitImageRegistration::register(image))
}
