// wasmtime::ExnType: the type of an exception object (its tag's payload).

#ifndef WASMTIME_TYPES_EXNREF_HH
#define WASMTIME_TYPES_EXNREF_HH

#include <wasmtime/types/tag.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC
/// The type of exception objects with a given payload.
class ExnType {
  WASMTIME_CXX_CLONED_HANDLE(ExnType, wasmtime_exn_type, wasmtime_exn_type_copy)

public:
  /// The exception type whose payload is `params`.
  static Result<ExnType> create(const Engine &engine,
                                const std::initializer_list<ValType> &params) {
    std::vector<wasm_valtype_t *> borrowed;
    borrowed.reserve(params.size());
    for (const ValType &param : params)
      borrowed.push_back(const_cast<wasm_valtype_t *>(param.capi()));
    // The C function only reads the vector, so it can borrow our types.
    wasm_valtype_vec_t vec;
    vec.size = borrowed.size();
    vec.data = borrowed.data();
    wasmtime_exn_type_t *out = nullptr;
    if (wasmtime_error_t *error =
            wasmtime_exn_type_new(engine.capi(), &vec, &out))
      return Error(error);
    return ExnType(out);
  }
  /// The tag type matching this exception type.
  TagType tag_type() const {
    wasm_tagtype_t *raw = wasmtime_exn_type_tag_type(ptr.get());
    TagType copy{TagType::Ref(raw)};
    wasm_tagtype_delete(raw);
    return copy;
  }
};
#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_TYPES_EXNREF_HH
