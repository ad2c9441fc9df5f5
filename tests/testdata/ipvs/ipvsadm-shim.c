// LD_PRELOAD shim that lets the real ipvsadm run on a kernel without IPVS, so
// its requests can be captured (capture-userspace.sh). It fakes the "IPVS"
// family lookup (id 0x1c), lets every request go out through the real
// sendmsg (the kernel answers ENOENT for the unknown family; nobody reads it),
// and answers ipvsadm's parsers itself with replies laid out as Linux's
// ip_vs_genl_fill_* functions lay them out (nests without NLA_F_NESTED, the
// attribute order of Linux 6.x). With IPVS_SHIM_REPLY_DIR set, it also writes
// each reply it made to <dir>/shim_<command>.rx.bin.
// Build: gcc -shared -fPIC -I/usr/include/libnl3 -o shim.so ipvsadm-shim.c -ldl -lnl-genl-3 -lnl-3
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <arpa/inet.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/ip_vs.h>
static nl_recvmsg_msg_cb_t valid_cb; static void *valid_arg; static int last_cmd;
int genl_ctrl_resolve(struct nl_sock *s, const char *n) { (void)s; (void)n; return 0x1c; }
int nl_socket_modify_cb(struct nl_sock *s, enum nl_cb_type t, enum nl_cb_kind k, nl_recvmsg_msg_cb_t f, void *a) {
  (void)s; (void)k; if (t == NL_CB_VALID) { valid_cb = f; valid_arg = a; } return 0; }
int nl_send_auto_complete(struct nl_sock *s, struct nl_msg *m) {
  int (*real)(struct nl_sock *, struct nl_msg *) = dlsym(RTLD_NEXT, "nl_send_auto_complete");
  last_cmd = ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(m)))->cmd; return real(s, m); }
#include <stdio.h>
#include <stdlib.h>
// The kernel's nla_nest_start_noflag: no NLA_F_NESTED bit.
static void nest_end(struct nl_msg *m, struct nlattr *n) { nla_nest_end(m, n); n->nla_type &= ~NLA_F_NESTED; }
static void stats(struct nl_msg *m, int type, int wide) { struct nlattr *n = nla_nest_start(m, type);
  for (int i = 1; i <= 10; i++) { if (wide || i == 4 || i == 5) nla_put_u64(m, i, 0); else nla_put_u32(m, i, 0); } nest_end(m, n); }
static void save(struct nl_msg *m) { const char *dir = getenv("IPVS_SHIM_REPLY_DIR"); if (!dir) return;
  char path[4096]; snprintf(path, sizeof path, "%s/shim_cmd%d.rx.bin", dir, last_cmd);
  FILE *f = fopen(path, "wb"); if (!f) return; fwrite(nlmsg_hdr(m), 1, nlmsg_hdr(m)->nlmsg_len, f); fclose(f); }
int nl_recvmsgs_default(struct nl_sock *s) { (void)s;
  struct nl_msg *m = nlmsg_alloc();
  if (last_cmd == IPVS_CMD_GET_INFO) {
    genlmsg_put(m, 0, 0, 0x1c, 0, 0, IPVS_CMD_SET_INFO, 1);
    nla_put_u32(m, IPVS_INFO_ATTR_VERSION, 0x010201); nla_put_u32(m, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
  } else if (last_cmd == IPVS_CMD_GET_SERVICE) {
    genlmsg_put(m, 0, 0, 0x1c, 0, NLM_F_MULTI, IPVS_CMD_NEW_SERVICE, 1);
    struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
    unsigned char a[16] = {10, 11, 12, 99};
    nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET); nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, 6);
    nla_put(m, IPVS_SVC_ATTR_ADDR, 16, a); nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(80));
    nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
    struct ip_vs_flags f = {2, ~0u}; nla_put(m, IPVS_SVC_ATTR_FLAGS, 8, &f);
    nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 0); nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0xffffffff);
    stats(m, IPVS_SVC_ATTR_STATS, 0); stats(m, IPVS_SVC_ATTR_STATS64, 1); nest_end(m, n);
  } else if (last_cmd == IPVS_CMD_GET_DEST) {
    genlmsg_put(m, 0, 0, 0x1c, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, 1);
    struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
    unsigned char a[16] = {192, 168, 100, 10};
    nla_put(m, IPVS_DEST_ATTR_ADDR, 16, a); nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
    nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, 0); nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 1);
    nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, 0); nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(0)); nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, 0);
    nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 0); nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 0);
    nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, 3); nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, 7);
    nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, 0); nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
    stats(m, IPVS_DEST_ATTR_STATS, 0); stats(m, IPVS_DEST_ATTR_STATS64, 1); nest_end(m, n);
  } else { nlmsg_free(m); return 0; }
  save(m);
  if (valid_cb) valid_cb(m, valid_arg);
  nlmsg_free(m); return 0; }
