# The hvmio native addon: the few system calls the QEMU multi-process transport needs and Node
# lacks (fd passing over UNIX sockets, socketpair, poll, readiness on the event loop, shared mmap), and TAP devices for the network backend.
# See docs/native-addon.md.
# Built by scripts/build-native.mjs; the result is copied to build/native/hvmio_native.node.
{
  'targets': [
    {
      'target_name': 'hvmio_native',
      'sources': [
        'src/addon.cc',
        'src/js-args.cc',
        'src/system-error.cc',
        'src/socket-messages.cc',
        'src/poll-in.cc',
        'src/shared-mapping.cc',
        'src/memfd.cc',
        'src/fd-watch.cc',
        'src/tap.cc',
      ],
      # node-addon-api with C++ exceptions: a thrown Napi::Error becomes a JS exception.
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED', '_GNU_SOURCE'],
      'cflags_cc': ['-Wall', '-Wextra', '-Wno-unused-parameter'],
    },
  ],
}
