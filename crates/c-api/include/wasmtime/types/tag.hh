// wasmtime::TagType: the type of an exception tag (a function type whose
// parameters are the exception's payload).

#ifndef WASMTIME_TYPES_TAG_HH
#define WASMTIME_TYPES_TAG_HH

#include <wasmtime/types/func.hh>

namespace wasmtime {

/// The type of an exception tag.
class TagType {
  friend class Tag;
  std::unique_ptr<wasm_tagtype_t,
                  detail::HandleDeleter<wasm_tagtype_t, wasm_tagtype_delete>>
      ptr;

public:
  /// A borrowed view of a tag type.
  class Ref {
    friend class TagType;
    const wasm_tagtype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_tagtype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const TagType &ty) : Ref(ty.ptr.get()) {}
    /// The tag's function type (payload as parameters, no results).
    FuncType functype() const {
      return FuncType(FuncType::Ref(wasm_tagtype_functype(ptr)));
    }
  };

private:
  Ref ref;
  TagType(wasm_tagtype_t *raw) : ptr(raw), ref(raw) {}

public:
  /// A tag type with the signature `functype`.
  explicit TagType(const FuncType &functype)
      : TagType(wasm_tagtype_new(FuncType(functype).capi_release())) {}
  /// Copies a borrowed type.
  TagType(Ref other) : TagType(wasm_tagtype_copy(other.ptr)) {}
  /// Copies.
  TagType(const TagType &other) : TagType(wasm_tagtype_copy(other.ptr.get())) {}
  /// Copies.
  TagType &operator=(const TagType &other) {
    ptr.reset(wasm_tagtype_copy(other.ptr.get()));
    ref = ptr.get();
    return *this;
  }
  ~TagType() = default;
  /// Moves.
  TagType(TagType &&other) = default;
  /// Moves.
  TagType &operator=(TagType &&other) = default;

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_TAG_HH
