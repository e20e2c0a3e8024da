// wasmtime::Tag: an exception tag of some store.

#ifndef WASMTIME_TAG_HH
#define WASMTIME_TAG_HH

#include <wasmtime/detail/store.hh>
#include <wasmtime/types/tag.hh>

namespace wasmtime {

/// An exception tag (a small handle into its store).
class Tag {
  friend class Instance;
  wasmtime_tag_t tag;

public:
  /// Wraps a C tag handle.
  Tag(wasmtime_tag_t tag) : tag(tag) {}

  /// A new host tag of type `ty`.
  static Result<Tag> create(Store::Context cx, const TagType &ty) {
    wasmtime_tag_t made;
    if (wasmtime_error_t *error = wasmtime_tag_new(cx.ptr, ty.ptr.get(), &made))
      return Error(error);
    return Tag(made);
  }
  /// The tag's type.
  TagType type(Store::Context cx) const {
    return TagType(wasmtime_tag_type(cx.ptr, &tag));
  }
  /// Is `other` the same tag?
  bool eq(Store::Context cx, const Tag &other) const {
    return wasmtime_tag_eq(cx.ptr, &tag, &other.tag);
  }
  /// The C handle.
  const wasmtime_tag_t &capi() const { return tag; }
};

} // namespace wasmtime

#endif // WASMTIME_TAG_HH
