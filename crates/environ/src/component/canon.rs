//! The canonical section (`canon lift`, `canon lower` and the builtins)
//! and the component-level types of functions and values, for the
//! [`Translator`].

use super::inline::{unsupported, Translator};
use super::translate::{
    Builtin, CanonOptions, ComponentFuncDef, CoreDef, Lowering, StringEncoding, TransmitOp,
};
use super::types::{ComponentFuncType, InterfaceType};
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
            instance: self.s.instance,
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
            CanonicalFunction::ErrorContextNew { options } => {
                let options = self.options(&options)?;
                self.builtin(Builtin::ErrorContextNew(options));
            }
            CanonicalFunction::ErrorContextDebugMessage { options } => {
                let options = self.options(&options)?;
                self.builtin(Builtin::ErrorContextDebugMessage(options));
            }
            CanonicalFunction::ErrorContextDrop => self.builtin(Builtin::ErrorContextDrop),
            other => {
                let (ty, op, options) = transmit_op(other)
                    .ok_or_else(|| unsupported("threading builtins (`thread.*`)"))?;
                let Some(op) = op else {
                    return Err(unsupported("`stream.forward` and `future.forward`"));
                };
                let (future, payload) = self.transmit_type(ty)?;
                let options = options.map(|o| self.options(&o)).transpose()?;
                self.builtin(Builtin::Transmit {
                    op,
                    future,
                    payload,
                    options,
                });
            }
        }
        Ok(())
    }

    /// Whether type `ty` is a future (else a stream), and its payload.
    fn transmit_type(&self, ty: u32) -> Result<(bool, Option<InterfaceType>)> {
        let id = self.s.types.component_defined_type_at(ty);
        let (future, payload) = match &self.s.types[id] {
            ComponentDefinedType::Future { ty, .. } => (true, ty),
            ComponentDefinedType::Stream { ty, .. } => (false, ty),
            _ => bail!("type {ty} of a stream or future builtin is not a stream or future"),
        };
        Ok((
            future,
            payload.as_ref().map(|t| self.val_type(t)).transpose()?,
        ))
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

    pub(crate) fn val_type(&self, ty: &ComponentValType) -> Result<InterfaceType> {
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
                    PrimitiveValType::ErrorContext => I::ErrorContext,
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
            ComponentDefinedType::Map { key, value, .. } => I::Map(
                Box::new(self.val_type(key)?),
                Box::new(self.val_type(value)?),
            ),
            ComponentDefinedType::FixedLengthList {
                element, length, ..
            } => I::FixedLengthList(Box::new(self.val_type(element)?), *length),
            ComponentDefinedType::Future { ty, .. } => I::Future(
                ty.as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
            ),
            ComponentDefinedType::Stream { ty, .. } => I::Stream(
                ty.as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
            ),
        })
    }

    pub(crate) fn builtin(&mut self, b: Builtin) {
        let index = self.inl.out.builtins.len() as u32;
        self.inl.out.builtins.push(b);
        self.inl.out.builtin_instances.push(self.s.instance);
        self.s.core_funcs.push(CoreDef::Builtin(index));
    }
}

/// The type index, operation and options of a stream or future builtin
/// (`Some(None)` for the `forward` builtins, not supported); `None` for
/// anything else.
#[allow(clippy::type_complexity)]
fn transmit_op(
    canon: CanonicalFunction,
) -> Option<(u32, Option<TransmitOp>, Option<Box<[CanonicalOption]>>)> {
    use CanonicalFunction as C;
    use TransmitOp as T;
    Some(match canon {
        C::StreamNew { ty } => (ty, Some(T::New), None),
        C::StreamRead { ty, options } => (ty, Some(T::Read), Some(options)),
        C::StreamWrite { ty, options } => (ty, Some(T::Write), Some(options)),
        C::StreamCancelRead { ty, async_ } => (ty, Some(T::CancelRead(async_)), None),
        C::StreamCancelWrite { ty, async_ } => (ty, Some(T::CancelWrite(async_)), None),
        C::StreamDropReadable { ty } => (ty, Some(T::DropReadable), None),
        C::StreamDropWritable { ty } => (ty, Some(T::DropWritable), None),
        C::FutureNew { ty } => (ty, Some(T::New), None),
        C::FutureRead { ty, options } => (ty, Some(T::Read), Some(options)),
        C::FutureWrite { ty, options } => (ty, Some(T::Write), Some(options)),
        C::FutureCancelRead { ty, async_ } => (ty, Some(T::CancelRead(async_)), None),
        C::FutureCancelWrite { ty, async_ } => (ty, Some(T::CancelWrite(async_)), None),
        C::FutureDropReadable { ty } => (ty, Some(T::DropReadable), None),
        C::FutureDropWritable { ty } => (ty, Some(T::DropWritable), None),
        C::StreamForward { ty } | C::FutureForward { ty } => (ty, None, None),
        _ => return None,
    })
}
