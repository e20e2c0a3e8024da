// wasmtime::Span: a view of contiguous elements. With C++20's <span> it is
// std::span itself; under C++17 a small dynamic-extent replacement.

#ifndef WASMTIME_SPAN_HH
#define WASMTIME_SPAN_HH

#ifdef __has_include
#if __has_include(<span>)
#include <span>
#endif
#endif

#include <cstddef>
#include <limits>
#include <type_traits>

namespace wasmtime {

#ifdef __cpp_lib_span

/// A view of `Extent` (or any number of) contiguous `T`s.
template <typename T, std::size_t Extent = std::dynamic_extent>
using Span = std::span<T, Extent>;

#else

/// Marks a span whose length is only known at run time.
inline constexpr std::size_t dynamic_extent =
    std::numeric_limits<std::size_t>::max();

template <typename T, std::size_t Extent = dynamic_extent> class Span;

/// True for instantiations of `Span`.
template <typename T> struct IsSpan : std::false_type {};
template <typename T, std::size_t Extent>
struct IsSpan<Span<T, Extent>> : std::true_type {};

/// A pointer and a length: a non-owning view of contiguous `T`s.
template <typename T, std::size_t Extent> class Span {
  static_assert(Extent == dynamic_extent,
                "only spans with a run-time length are supported");
  T *first_;
  std::size_t len_;

public:
  /// Iterates over the elements in order.
  using iterator = T *;

  /// Views `n` elements starting at `t`.
  Span(T *t, std::size_t n) : first_(t), len_(n) {}

  /// Views a container with contiguous storage (`data()` and `size()`).
  template <typename C,
            std::enable_if_t<
                !IsSpan<C>::value &&
                    std::is_pointer_v<decltype(std::declval<C &>().data())> &&
                    std::is_convertible_v<
                        std::remove_pointer_t<
                            decltype(std::declval<C &>().data())> (*)[],
                        T (*)[]> &&
                    std::is_convertible_v<decltype(std::declval<C>().size()),
                                          std::size_t>,
                int> = 0>
  Span(C &container) : first_(container.data()), len_(container.size()) {}

  /// The element at `idx` (unchecked).
  T &operator[](std::ptrdiff_t idx) const { return first_[idx]; }
  /// Pointer to the first element.
  T *data() const { return first_; }
  /// Number of elements.
  std::size_t size() const { return len_; }
  /// Size of the viewed elements in bytes.
  std::size_t size_bytes() const { return len_ * sizeof(T); }
  /// First element.
  iterator begin() const { return first_; }
  /// One past the last element.
  iterator end() const { return first_ + len_; }
};

#endif

} // namespace wasmtime

#endif // WASMTIME_SPAN_HH
