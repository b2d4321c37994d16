// Module entry of the hvmio native addon. It is an N-API module, hence context-aware: every
// worker thread that requires it gets its own exports, while process-wide state (the count of
// live guest-RAM mappings) is shared by all of them.
#include "addon.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  hvmio::RegisterSocketMessages(env, exports);
  hvmio::RegisterPollIn(env, exports);
  hvmio::RegisterSharedMapping(env, exports);
  hvmio::RegisterMemfd(env, exports);
  hvmio::RegisterFdWatch(env, exports);
  hvmio::RegisterTap(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(hvmio_native, Init)
