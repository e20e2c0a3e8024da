// wasmtime::Trap (an owned `wasm_trap_t`), its backtrace (Trace of
// FrameRef) and TrapError/TrapResult for calls that can fail either way.

#ifndef WASMTIME_TRAP_HH
#define WASMTIME_TRAP_HH

#include <wasmtime/error.hh>

namespace wasmtime {

/// One wasm frame of a backtrace, borrowed from its Trace.
class FrameRef {
  wasm_frame_t *frame;

public:
  /// Index of the frame's function in its module.
  uint32_t func_index() const { return wasm_frame_func_index(frame); }
  /// Byte offset of the frame's instruction within its function.
  size_t func_offset() const { return wasm_frame_func_offset(frame); }
  /// Byte offset of the frame's instruction within its module.
  size_t module_offset() const { return wasm_frame_module_offset(frame); }

  /// The function's name from the name section, if any.
  std::optional<std::string_view> func_name() const {
    const wasm_name_t *name = wasmtime_frame_func_name(frame);
    if (name == nullptr)
      return std::nullopt;
    return std::string_view(name->data, name->size);
  }

  /// The module's name from the name section, if any.
  std::optional<std::string_view> module_name() const {
    const wasm_name_t *name = wasmtime_frame_module_name(frame);
    if (name == nullptr)
      return std::nullopt;
    return std::string_view(name->data, name->size);
  }
};

/// A wasm backtrace, innermost frame first. Owns its frames; not copyable
/// or movable (iterate it where it was returned).
class Trace {
  friend class Trap;
  friend class Error;
  wasm_frame_vec_t frames;
  Trace(wasm_frame_vec_t frames) : frames(frames) {}

public:
  ~Trace() { wasm_frame_vec_delete(&frames); }
  Trace(const Trace &) = delete;
  Trace(Trace &&) = delete;
  Trace &operator=(const Trace &) = delete;
  Trace &operator=(Trace &&) = delete;

  /// Iterates over the frames.
  typedef const FrameRef *iterator;
  /// First frame.
  iterator begin() const {
    static_assert(sizeof(FrameRef) == sizeof(wasm_frame_t *));
    return reinterpret_cast<const FrameRef *>(frames.data);
  }
  /// One past the last frame.
  iterator end() const { return begin() + frames.size; }
  /// Number of frames.
  size_t size() const { return frames.size; }
};

inline Trace Error::trace() const {
  wasm_frame_vec_t frames;
  wasmtime_error_wasm_trace(ptr.get(), &frames);
  return Trace(frames);
}

/// A wasm trap: raised by wasm code (with a trap code) or by the host.
class Trap {
  WASMTIME_CXX_OWNED_HANDLE(Trap, wasm_trap)

public:
  /// A host trap with message `msg`.
  explicit Trap(std::string_view msg)
      : Trap(wasmtime_trap_new(msg.data(), msg.size())) {}
  /// A trap with one of Wasmtime's trap codes.
  Trap(wasmtime_trap_code_enum code) : Trap(wasmtime_trap_new_code(code)) {}

  /// The trap's message.
  std::string message() const {
    wasm_message_t bytes;
    wasm_trap_message(ptr.get(), &bytes);
    size_t len = bytes.size;
    // wasm.h messages carry a trailing NUL; it is not part of the text.
    if (len > 0 && bytes.data[len - 1] == '\0')
      len -= 1;
    std::string text(bytes.data, len);
    wasm_byte_vec_delete(&bytes);
    return text;
  }

  /// The wasm frames active when the trap happened.
  Trace trace() const {
    wasm_frame_vec_t frames;
    wasm_trap_trace(ptr.get(), &frames);
    return Trace(frames);
  }

  /// The trap code, for traps raised by wasm code (or made from a code).
  std::optional<wasmtime_trap_code_t> code() const {
    wasmtime_trap_code_t code = 0;
    if (!wasmtime_trap_code(ptr.get(), &code))
      return std::nullopt;
    return code;
  }
};

/// The failure of a call into wasm: a Trap or another Error.
struct TrapError {
  /// Which one it is.
  std::variant<Trap, Error> data;

  /// A failure that is a trap.
  TrapError(Trap t) : data(std::move(t)) {}
  /// A failure that is an error.
  TrapError(Error e) : data(std::move(e)) {}

  /// The message of the trap or error.
  std::string message() const {
    if (const Trap *trap = std::get_if<Trap>(&data))
      return trap->message();
    return std::get<Error>(data).message();
  }
};

/// The result of calling into wasm.
template <typename T> using TrapResult = Result<T, TrapError>;

} // namespace wasmtime

#endif // WASMTIME_TRAP_HH
