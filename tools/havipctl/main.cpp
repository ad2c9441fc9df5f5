// havipctl: talks to a running havipd over its control socket.
// The control protocol arrives with the network issue; until then every
// command says so and exits 2 (documented in README.md).
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::puts("usage: havipctl [-s SOCKET] status|failover|reload\n"
              "The control socket is not implemented yet.");
    return 0;
  }
  std::fputs("havipctl: not yet: havipd has no control socket in this version\n", stderr);
  return 2;
}
