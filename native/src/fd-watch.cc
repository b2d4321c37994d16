// watchReadable(fd, onReadable) -> FdWatch { stop(), ref(), unref() }: calls onReadable from the
// event loop of the calling thread whenever `fd` is readable, hung up or in error, without
// blocking that loop and without a thread of its own. The mpqemu transport uses it to learn
// that QEMU wrote to the protocol socket or an eventfd (spec/mpqemu.md section 8) while the
// thread stays free for other work.
//
// It is a libuv poll handle (uv_poll_t) on the loop of the N-API environment that created it,
// so each worker thread watches on its own loop. uv_poll is level-triggered: while the
// condition holds, the callback runs again on every loop iteration until the caller reads or
// stops. Lifetimes:
//   - The native Watch lives from watchReadable until uv_close's callback; stop() only starts
//     the close, so stop() is safe inside onReadable (the Watch outlives that call).
//   - While active, the Watch holds its JS FdWatch object and callback strongly, as Node does
//     for a socket: a dropped FdWatch keeps firing rather than stopping at some random GC.
//   - Each Watch registers an *async* environment cleanup hook. At worker (or process)
//     teardown the hook closes the handle, and the environment waits for uv_close's callback
//     before it frees itself and closes the loop: Node aborts a worker whose loop still has
//     open handles, and a plain cleanup hook cannot wait for a close callback.
#include <uv.h>

#include <memory>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

// Readable (POLLIN) and peer hang-up (POLLRDHUP); libuv reports POLLHUP as readable and
// POLLERR as an error status, and epoll always reports both.
constexpr int kWatchedEvents = UV_READABLE | UV_DISCONNECT;

class FdWatchObject;

struct Watch {
  uv_poll_t handle;
  napi_env env;
  Napi::FunctionReference onReadable;                 // released by StopWatch
  Napi::ObjectReference object;                       // the JS FdWatch, strong; released by StopWatch
  std::unique_ptr<Napi::AsyncContext> asyncContext;   // destroyed by StopWatch, or after the callback
  napi_async_cleanup_hook_handle cleanupHook = nullptr;
  FdWatchObject* owner = nullptr;  // cleared when either side goes first
  bool stopping = false;           // uv_close called: no more callbacks, handle freed soon
  bool dispatching = false;        // inside onReadable (or the uncaught-exception handling after it)
};

void StopWatch(Watch* watch);

// The JS side of a watch. An instance whose watch was stopped (or that was constructed from JS
// through `.constructor`, and so never started) ignores stop/ref/unref.
class FdWatchObject : public Napi::ObjectWrap<FdWatchObject> {
 public:
  static Napi::Function DefineClass(Napi::Env env) {
    return ObjectWrap<FdWatchObject>::DefineClass(env, "FdWatch",
                                                  {
                                                      InstanceMethod<&FdWatchObject::Stop>("stop"),
                                                      InstanceMethod<&FdWatchObject::Ref>("ref"),
                                                      InstanceMethod<&FdWatchObject::Unref>("unref"),
                                                  });
  }

  explicit FdWatchObject(const Napi::CallbackInfo& info) : ObjectWrap<FdWatchObject>(info) {}

  // Runs only once the object is unreachable. An active Watch holds the object, so it is
  // stopped by then, except when the environment itself is torn down, where the cleanup hook
  // stops it: in either case only the back pointer needs cutting.
  ~FdWatchObject() override {
    if (watch_ != nullptr) watch_->owner = nullptr;
  }

  void Attach(Watch* watch) {
    watch_ = watch;
    watch->owner = this;
  }
  void Detach() { watch_ = nullptr; }

 private:
  void Stop(const Napi::CallbackInfo& info) {
    if (watch_ != nullptr) StopWatch(watch_);
  }
  void Ref(const Napi::CallbackInfo& info) {
    if (watch_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&watch_->handle));
  }
  void Unref(const Napi::CallbackInfo& info) {
    if (watch_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&watch_->handle));
  }

  Watch* watch_ = nullptr;
};

// uv_close's callback: the loop no longer knows the handle. Touches no N-API value: at
// teardown the environment may already have released everything else.
void OnWatchClosed(uv_handle_t* handle) {
  Watch* watch = static_cast<Watch*>(handle->data);
  // Required for every registered hook, run or not; after teardown's hook ran this is what
  // tells the environment we are done.
  if (watch->cleanupHook != nullptr) napi_remove_async_cleanup_hook(watch->cleanupHook);
  delete watch;
}

// Idempotent. Closing stops the polling at once (uv__poll_stop takes the fd out of epoll), so
// the descriptor may be closed right after; the memory goes in OnWatchClosed.
void StopWatch(Watch* watch) {
  if (watch->stopping) return;
  watch->stopping = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&watch->handle), OnWatchClosed);
  if (watch->owner != nullptr) {
    watch->owner->Detach();
    watch->owner = nullptr;
  }
  watch->onReadable.Reset();
  watch->object.Reset();
  // Inside onReadable, napi_make_callback is still using the context: OnPoll destroys it after.
  if (!watch->dispatching) watch->asyncContext.reset();
}

void OnEnvironmentTeardown(napi_async_cleanup_hook_handle hook, void* data) {
  StopWatch(static_cast<Watch*>(data));
}

// Calls onReadable through napi_make_callback, so that async hooks see the FdWatch as the
// resource and the microtask and nextTick queues run afterwards, as after any Node I/O
// callback. A throwing callback becomes an uncaught exception ('uncaughtException', or the
// process/worker dies with the usual report), never a silent loss.
void OnPoll(uv_poll_t* handle, int status, int events) {
  Watch* watch = static_cast<Watch*>(handle->data);
  if (watch->stopping) return;
  // On POLLERR libuv calls us with status UV_EBADF and stops the handle itself. Re-arm, so the
  // watch stays level-triggered: the callback reads, sees the error (e.g. ECONNRESET) and then
  // end of stream, and stops. Re-armed before the call so that a stop() inside it wins.
  if (status < 0) uv_poll_start(handle, kWatchedEvents, OnPoll);

  napi_env env = watch->env;
  Napi::HandleScope scope(env);
  napi_value callback = watch->onReadable.Value();
  napi_value receiver = watch->object.Value();
  watch->dispatching = true;
  napi_value ignored;
  const napi_status called = napi_make_callback(env, *watch->asyncContext, receiver, callback, 0, nullptr, &ignored);
  if (called != napi_ok) {
    bool pending = false;
    napi_value error;
    // No exception pending means the environment can no longer run JS (it is being torn
    // down); then there is nobody to tell.
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok) {
      napi_fatal_exception(env, error);
    }
  }
  watch->dispatching = false;
  if (watch->stopping) watch->asyncContext.reset();
}

// watchReadable(fd, onReadable): the descriptor must stay open until stop() (see
// docs/native-addon.md). Throws EEXIST if this thread's loop already watches `fd` (libuv
// allows one poll handle per descriptor and loop), EPERM for a regular file, EBADF for a
// closed descriptor. Side effect of uv_poll_init: the descriptor becomes O_NONBLOCK.
Napi::Value WatchReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "watchReadable: fd");
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "watchReadable: onReadable must be a function");
  const Napi::FunctionReference* constructor = static_cast<Napi::FunctionReference*>(info.Data());

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) throw Napi::Error::New(env);

  // Everything that can throw comes before uv_poll_init; after it the handle must be closed.
  Napi::Object object = constructor->New({});
  auto watch = std::make_unique<Watch>();
  watch->env = env;
  watch->onReadable = Napi::Persistent(info[1].As<Napi::Function>());
  watch->asyncContext = std::make_unique<Napi::AsyncContext>(env, "hvmio.FdWatch", object);

  const int initialized = uv_poll_init(loop, &watch->handle, fd);
  if (initialized != 0) ThrowSystemError(env, "uv_poll_init", -initialized);
  // From here on the loop owns the Watch; OnWatchClosed frees it.
  Watch* owned = watch.release();
  owned->handle.data = owned;
  const int started = uv_poll_start(&owned->handle, kWatchedEvents, OnPoll);
  if (started != 0) {
    StopWatch(owned);
    ThrowSystemError(env, "uv_poll_start", -started);
  }
  if (napi_add_async_cleanup_hook(env, OnEnvironmentTeardown, owned, &owned->cleanupHook) != napi_ok) {
    owned->cleanupHook = nullptr;
    StopWatch(owned);
    throw Napi::Error::New(env, "watchReadable: could not register the environment cleanup hook");
  }
  owned->object = Napi::Persistent(object);
  FdWatchObject::Unwrap(object)->Attach(owned);
  return object;
}

}  // namespace

void RegisterFdWatch(Napi::Env env, Napi::Object exports) {
  // One FdWatch class per environment (each worker thread has its own); the reference to it
  // goes with the environment.
  auto* constructor = new Napi::FunctionReference(Napi::Persistent(FdWatchObject::DefineClass(env)));
  env.AddCleanupHook([constructor] { delete constructor; });
  exports.Set("watchReadable", Napi::Function::New(env, WatchReadable, "watchReadable", constructor));
}

}  // namespace hvmio
