/* wasi.h: WASI programs (tests/wasi-programs) run through a linker with
 * arguments, environment, stdin bytes, captured stdout and exit codes.
 * Usage: wasi PROGRAMS_DIR */
#include "check.h"

struct capture {
  char buf[4096];
  size_t len;
};

static ptrdiff_t capture_cb(void *data, const unsigned char *bytes, size_t len) {
  struct capture *c = data;
  CHECK(c->len + len < sizeof(c->buf));
  memcpy(c->buf + c->len, bytes, len);
  c->len += len;
  c->buf[c->len] = 0;
  return (ptrdiff_t)len;
}

static wasmtime_module_t *load(wasm_engine_t *engine, const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc(size);
  CHECK(fread(bytes, 1, size, f) == (size_t)size);
  fclose(f);
  wasmtime_module_t *m = NULL;
  check_ok(wasmtime_module_new(engine, bytes, size, &m), "module_new");
  free(bytes);
  return m;
}

/* Runs `_start` of `module` with `wasi`; returns the exit status
 * (0 when `_start` returns) and captures stdout in `out`. */
static int run(wasm_engine_t *engine, wasmtime_linker_t *linker, wasmtime_module_t *module,
               wasi_config_t *wasi, struct capture *out) {
  out->len = 0;
  out->buf[0] = 0;
  wasi_config_set_stdout_custom(wasi, capture_cb, out, NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  check_ok(wasmtime_context_set_wasi(cx, wasi), "set_wasi");
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(trap == NULL);
  wasmtime_extern_t start;
  CHECK(wasmtime_instance_export_get(cx, &inst, "_start", 6, &start));
  wasmtime_error_t *err = wasmtime_func_call(cx, &start.of.func, NULL, 0, NULL, 0, &trap);
  CHECK(trap == NULL);
  int status = 0;
  if (err != NULL) {
    CHECK(wasmtime_error_exit_status(err, &status));
    wasmtime_error_delete(err);
  }
  wasmtime_store_delete(store);
  return status;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *dir = argv[1];
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  check_ok(wasmtime_linker_define_wasi(linker), "define_wasi");
  struct capture out;

  wasmtime_module_t *hello = load(engine, dir, "hello.wasm");
  CHECK(run(engine, linker, hello, wasi_config_new(), &out) == 0);
  CHECK(strcmp(out.buf, "Hello, world!\n") == 0);
  wasmtime_module_delete(hello);

  wasmtime_module_t *args = load(engine, dir, "args.wasm");
  wasi_config_t *wasi = wasi_config_new();
  const char *argv2[] = {"prog", "one"};
  CHECK(wasi_config_set_argv(wasi, 2, argv2));
  CHECK(run(engine, linker, args, wasi, &out) == 0);
  CHECK(strcmp(out.buf, "argc=2\nargv[0]=prog\nargv[1]=one\n") == 0);
  wasmtime_module_delete(args);

  wasmtime_module_t *env = load(engine, dir, "env.wasm");
  wasi = wasi_config_new();
  const char *names[] = {"B", "A"};
  const char *values[] = {"2", "1"};
  CHECK(wasi_config_set_env(wasi, 2, names, values));
  CHECK(run(engine, linker, env, wasi, &out) == 0);
  CHECK(strcmp(out.buf, "count=2\nA=1\nB=2\n") == 0);
  wasmtime_module_delete(env);

  wasmtime_module_t *stdin_prog = load(engine, dir, "stdin.wasm");
  wasi = wasi_config_new();
  wasm_byte_vec_t input;
  wasm_byte_vec_new(&input, 7, "ab c\nd\n");
  wasi_config_set_stdin_bytes(wasi, &input);
  CHECK(run(engine, linker, stdin_prog, wasi, &out) == 0);
  CHECK(strstr(out.buf, "AB C\nD\n") != NULL);
  CHECK(strstr(out.buf, "lines=2 words=3") != NULL);
  wasmtime_module_delete(stdin_prog);

  wasmtime_module_t *exit_prog = load(engine, dir, "exit.wasm");
  wasi = wasi_config_new();
  const char *argv3[] = {"exit", "7"};
  CHECK(wasi_config_set_argv(wasi, 2, argv3));
  CHECK(run(engine, linker, exit_prog, wasi, &out) == 7);
  CHECK(strcmp(out.buf, "exiting with 7\n") == 0);
  wasmtime_module_delete(exit_prog);

  /* A directory that does not exist cannot be pre-opened. */
  wasi = wasi_config_new();
  CHECK(!wasi_config_preopen_dir(wasi, "/definitely/not/here", "/", false));
  CHECK(wasi_config_preopen_dir(wasi, dir, "/", false));
  wasi_config_delete(wasi);

  wasmtime_linker_delete(linker);
  wasm_engine_delete(engine);
  printf("wasi: ok\n");
  return 0;
}
