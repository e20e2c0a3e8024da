//! The canonical section (`canon lift`, `canon lower` and the builtins)
//! and the component-level types of functions and values, for the
//! [`Translator`].

use super::inline::{unsupported, Translator};
use super::translate::{
    Builtin, CanonOptions, ComponentFuncDef, CoreDef, Lowering, StringEncoding,
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
                CanonicalOption::Async | CanonicalOption::Callback(_) => {
                    return Err(unsupported("async lifts and lowers"))
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
            _ => return Err(unsupported("async and threading builtins")),
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

    fn builtin(&mut self, b: Builtin) {
        let index = self.inl.out.builtins.len() as u32;
        self.inl.out.builtins.push(b);
        self.s.core_funcs.push(CoreDef::Builtin(index));
    }
}
