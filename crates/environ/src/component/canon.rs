//! The canonical section (`canon lift`, `canon lower` and the builtins)
//! and the component-level types of functions and values, for the
//! [`Translator`].

use super::inline::{unsupported, Translator};
use super::translate::{
    Builtin, CanonOptions, ComponentFuncDef, CoreDef, Lowering, StringEncoding,
};
use super::types::{ComponentFuncType, FlatType, InterfaceType};
use anyhow::{bail, Result};
use wasmparser::component_types::{ComponentDefinedType, ComponentValType};
use wasmparser::{CanonicalFunction, CanonicalOption, ExternalKind, PrimitiveValType};

impl Translator<'_, '_> {
    fn options(&self, options: &[CanonicalOption]) -> Result<CanonOptions> {
        let mut out = CanonOptions {
            memory: None,
            realloc: None,
            post_return: None,
            string_encoding: StringEncoding::Utf8,
            async_: false,
            callback: None,
        };
        for option in options {
            match option {
                CanonicalOption::UTF8 => out.string_encoding = StringEncoding::Utf8,
                CanonicalOption::UTF16 => out.string_encoding = StringEncoding::Utf16,
                CanonicalOption::CompactUTF16 => out.string_encoding = StringEncoding::CompactUtf16,
                CanonicalOption::Memory(i) => {
                    out.memory = Some(self.core_item(ExternalKind::Memory, *i)?)
                }
                CanonicalOption::Realloc(i) => {
                    out.realloc = Some(self.core_item(ExternalKind::Func, *i)?)
                }
                CanonicalOption::PostReturn(i) => {
                    out.post_return = Some(self.core_item(ExternalKind::Func, *i)?)
                }
                CanonicalOption::Async => out.async_ = true,
                CanonicalOption::Callback(i) => {
                    out.callback = Some(Box::new(self.core_item(ExternalKind::Func, *i)?))
                }
                CanonicalOption::CoreType(_) | CanonicalOption::Gc => {
                    return Err(unsupported("GC canonical options"))
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn canonical(&mut self, canon: CanonicalFunction) -> Result<()> {
        match canon {
            CanonicalFunction::Lift {
                core_func_index,
                type_index,
                options,
            } => {
                let core = self.core_item(ExternalKind::Func, core_func_index)?;
                let ty = match self.s.types.component_any_type_at(type_index) {
                    wasmparser::component_types::ComponentAnyTypeId::Func(id) => {
                        self.func_type(id)?
                    }
                    _ => bail!("lifted type {type_index} is not a function type"),
                };
                let options = self.options(&options)?;
                self.s.funcs.push(self.inl.out.funcs.len() as u32);
                self.inl
                    .out
                    .funcs
                    .push(ComponentFuncDef::Lifted { core, ty, options });
            }
            CanonicalFunction::Lower {
                func_index,
                options,
            } => {
                let ty = self.func_type(self.s.types.component_function_at(func_index))?;
                let options = self.options(&options)?;
                let index = self.inl.out.lowerings.len() as u32;
                self.inl.out.lowerings.push(Lowering {
                    func: self.s.funcs[func_index as usize],
                    ty,
                    options,
                });
                self.s.core_funcs.push(CoreDef::Lowered(index));
            }
            CanonicalFunction::ResourceNew { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceNew(r));
            }
            CanonicalFunction::ResourceDrop { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceDrop(r));
            }
            CanonicalFunction::ResourceRep { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceRep(r));
            }
            CanonicalFunction::TaskReturn { result, options } => {
                let result = result
                    .map(|t| {
                        self.val_type(&match t {
                            wasmparser::ComponentValType::Primitive(p) => {
                                ComponentValType::Primitive(p)
                            }
                            wasmparser::ComponentValType::Type(i) => {
                                ComponentValType::Type(self.s.types.component_defined_type_at(i))
                            }
                        })
                    })
                    .transpose()?;
                let options = self.options(&options)?;
                self.builtin(Builtin::TaskReturn { result, options });
            }
            CanonicalFunction::TaskCancel => self.builtin(Builtin::TaskCancel),
            CanonicalFunction::ContextGet { ty, slot } => {
                if ty != wasmparser::ValType::I32 {
                    return Err(unsupported("64-bit context slots"));
                }
                self.builtin(Builtin::ContextGet(slot));
            }
            CanonicalFunction::ContextSet { ty, slot } => {
                if ty != wasmparser::ValType::I32 {
                    return Err(unsupported("64-bit context slots"));
                }
                self.builtin(Builtin::ContextSet(slot));
            }
            CanonicalFunction::BackpressureInc => self.builtin(Builtin::BackpressureInc),
            CanonicalFunction::BackpressureDec => self.builtin(Builtin::BackpressureDec),
            CanonicalFunction::ThreadYield => self.builtin(Builtin::Yield),
            CanonicalFunction::WaitableSetNew => self.builtin(Builtin::WaitableSetNew),
            CanonicalFunction::WaitableSetWait { memory } => {
                let m = self.core_item(ExternalKind::Memory, memory)?;
                self.builtin(Builtin::WaitableSetWait(m));
            }
            CanonicalFunction::WaitableSetPoll { memory } => {
                let m = self.core_item(ExternalKind::Memory, memory)?;
                self.builtin(Builtin::WaitableSetPoll(m));
            }
            CanonicalFunction::WaitableSetDrop => self.builtin(Builtin::WaitableSetDrop),
            CanonicalFunction::WaitableJoin => self.builtin(Builtin::WaitableJoin),
            CanonicalFunction::SubtaskDrop => self.builtin(Builtin::SubtaskDrop),
            CanonicalFunction::SubtaskCancel { async_ } => {
                self.builtin(Builtin::SubtaskCancel(async_))
            }
            other => {
                let (name, params, results) = not_yet(&other)
                    .ok_or_else(|| unsupported("threading builtins (`thread.*`)"))?;
                self.builtin(Builtin::Unsupported {
                    name: name.to_string(),
                    params: params.to_vec(),
                    results: results.to_vec(),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn func_type(
        &self,
        id: wasmparser::component_types::ComponentFuncTypeId,
    ) -> Result<ComponentFuncType> {
        let ty = &self.s.types[id];
        let mut params = Vec::new();
        for (name, p) in ty.params.iter() {
            params.push((name.to_string(), self.val_type(p)?));
        }
        let result = ty.result.as_ref().map(|r| self.val_type(r)).transpose()?;
        Ok(ComponentFuncType {
            params,
            result,
            is_async: ty.async_,
        })
    }

    fn val_type(&self, ty: &ComponentValType) -> Result<InterfaceType> {
        use InterfaceType as I;
        let id = match ty {
            ComponentValType::Primitive(p) => {
                return Ok(match p {
                    PrimitiveValType::Bool => I::Bool,
                    PrimitiveValType::S8 => I::S8,
                    PrimitiveValType::U8 => I::U8,
                    PrimitiveValType::S16 => I::S16,
                    PrimitiveValType::U16 => I::U16,
                    PrimitiveValType::S32 => I::S32,
                    PrimitiveValType::U32 => I::U32,
                    PrimitiveValType::S64 => I::S64,
                    PrimitiveValType::U64 => I::U64,
                    PrimitiveValType::F32 => I::Float32,
                    PrimitiveValType::F64 => I::Float64,
                    PrimitiveValType::Char => I::Char,
                    PrimitiveValType::String => I::String,
                    PrimitiveValType::ErrorContext => return Err(unsupported("error contexts")),
                })
            }
            ComponentValType::Type(id) => *id,
        };
        Ok(match &self.s.types[id] {
            ComponentDefinedType::Primitive(p) => {
                return self.val_type(&ComponentValType::Primitive(*p))
            }
            ComponentDefinedType::Record(r) => I::Record(
                r.fields
                    .iter()
                    .map(|(n, t)| Ok((n.to_string(), self.val_type(t)?)))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Variant(v) => I::Variant(
                v.cases
                    .iter()
                    .map(|(n, c)| {
                        Ok((
                            n.to_string(),
                            c.ty.as_ref().map(|t| self.val_type(t)).transpose()?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::List { element, .. } => {
                I::List(Box::new(self.val_type(element)?))
            }
            ComponentDefinedType::Tuple(t) => I::Tuple(
                t.types
                    .iter()
                    .map(|t| self.val_type(t))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Flags(names) => {
                I::Flags(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Enum(names) => {
                I::Enum(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Option { ty, .. } => I::Option(Box::new(self.val_type(ty)?)),
            ComponentDefinedType::Result { ok, err, .. } => I::Result {
                ok: ok
                    .as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
                err: err
                    .as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
            },
            ComponentDefinedType::Own(r) => I::Own(self.resource_of(r.resource())?),
            ComponentDefinedType::Borrow(r) => I::Borrow(self.resource_of(r.resource())?),
            ComponentDefinedType::Map { .. } => return Err(unsupported("maps")),
            ComponentDefinedType::FixedLengthList { .. } => {
                return Err(unsupported("fixed-length lists"))
            }
            ComponentDefinedType::Future { .. } | ComponentDefinedType::Stream { .. } => {
                return Err(unsupported("futures and streams"))
            }
        })
    }

    pub(crate) fn builtin(&mut self, b: Builtin) {
        let index = self.inl.out.builtins.len() as u32;
        self.inl.out.builtins.push(b);
        self.s.core_funcs.push(CoreDef::Builtin(index));
    }
}

/// The name and core signature of a builtin that is accepted but not
/// implemented yet (streams, futures, error contexts); `None` for the
/// builtins refused outright.
fn not_yet(
    canon: &CanonicalFunction,
) -> Option<(&'static str, &'static [FlatType], &'static [FlatType])> {
    use CanonicalFunction as C;
    use FlatType::{I32, I64};
    Some(match canon {
        C::StreamNew { .. } => ("stream.new", &[], &[I64]),
        C::StreamRead { .. } => ("stream.read", &[I32, I32, I32], &[I32]),
        C::StreamWrite { .. } => ("stream.write", &[I32, I32, I32], &[I32]),
        C::StreamCancelRead { .. } => ("stream.cancel-read", &[I32], &[I32]),
        C::StreamCancelWrite { .. } => ("stream.cancel-write", &[I32], &[I32]),
        C::StreamDropReadable { .. } => ("stream.drop-readable", &[I32], &[]),
        C::StreamDropWritable { .. } => ("stream.drop-writable", &[I32], &[]),
        C::FutureNew { .. } => ("future.new", &[], &[I64]),
        C::FutureRead { .. } => ("future.read", &[I32, I32], &[I32]),
        C::FutureWrite { .. } => ("future.write", &[I32, I32], &[I32]),
        C::FutureCancelRead { .. } => ("future.cancel-read", &[I32], &[I32]),
        C::FutureCancelWrite { .. } => ("future.cancel-write", &[I32], &[I32]),
        C::FutureDropReadable { .. } => ("future.drop-readable", &[I32], &[]),
        C::FutureDropWritable { .. } => ("future.drop-writable", &[I32], &[]),
        C::ErrorContextNew { .. } => ("error-context.new", &[I32, I32], &[I32]),
        C::ErrorContextDebugMessage { .. } => ("error-context.debug-message", &[I32, I32], &[]),
        C::ErrorContextDrop => ("error-context.drop", &[I32], &[]),
        _ => return None,
    })
}
