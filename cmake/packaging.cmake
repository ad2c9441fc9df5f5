# Where `cmake --install` puts havip, and the Debian package built from the
# same rules (`cpack -G DEB`, run from the build directory). The paths are the
# ones the man pages' FILES sections name (tests/package checks them):
# /usr/sbin/havipd, /usr/sbin/havipctl, /etc/havip/havipd.conf.example,
# /usr/lib/systemd/system/havipd.service, /usr/share/man/man{5,8}/*.gz,
# /usr/share/bash-completion/completions/havipctl, /usr/share/doc/havip/.
include(GNUInstallDirs)

install(TARGETS havipd havipctl RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES systemd/havipd.service DESTINATION lib/systemd/system)
# An example only: the unit starts once /etc/havip/havipd.conf exists
# (ConditionFileNotEmpty), so installing never starts a daemon on a guess.
# Everything under /etc is listed in packaging/conffiles.
install(FILES conf/master.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/havip
        RENAME havipd.conf.example)

# Man pages, compressed at build time with `gzip -9n` as Debian policy 12.1
# asks (-n: no name or timestamp in the header, so the bytes are reproducible).
# man-db reads both forms; compressed is what lintian and every Debian package
# expect under /usr/share/man.
find_program(HAVIP_GZIP gzip REQUIRED)
set(_havip_man_pages havipd.8 havipctl.8 havipd.conf.5)
set(_havip_man_outputs)
foreach(page ${_havip_man_pages})
  set(_src ${PROJECT_SOURCE_DIR}/docs/man/${page})
  set(_out ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${HAVIP_GZIP} -9n -c ${_src} > ${_out}
    DEPENDS ${_src}
    COMMENT "gzip -9n ${page}"
    VERBATIM)
  list(APPEND _havip_man_outputs ${_out})
  string(REGEX MATCH "[0-9]$" _section ${page})
  install(FILES ${_out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
endforeach()
add_custom_target(havip_man ALL DEPENDS ${_havip_man_outputs})

# bash-completion loads completions/NAME on first use of NAME.
install(FILES tools/completion/havipctl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# Plain Markdown (not gzipped): the man pages point at these paths, and they
# are read with a pager or a browser as they are.
install(FILES README.md docs/migration.md docs/config.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/havip)

# No modules-load.d file: the kernel loads ip_vs itself on the generic-netlink
# family lookup (alias net-pf-16-proto-16-family-IPVS); see havipd(8).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME havip)
set(CPACK_PACKAGE_VENDOR havip)
set(CPACK_PACKAGE_CONTACT "havip maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "VRRPv2 and IPVS high-availability daemon (keepalived.conf dialect)")
# The long description; CPack puts the summary above it as the first line and
# formats the rest as Debian wants (one leading space, " ." for empty lines).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"havip makes a pair of Linux load-balancer directors share virtual IPv4
addresses with VRRP version 2 (RFC 3768), installs IPVS virtual services
over generic netlink and keeps them in step with TCP and HTTP health checks
of the real servers, tracks scripts, memory and interfaces, and mails on
every state change, from one small single-threaded daemon, havipd.

It reads the keepalived.conf dialect: a keepalived configuration that uses
these features runs as written, and anything else is refused with
FILE:LINE:COL and the reason rather than ignored. havipctl shows the state,
hands over mastership, reloads, and compares two directors' files.

The service is enabled but starts only once /etc/havip/havipd.conf exists.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the ELF files' NEEDED entries (dpkg-shlibdeps), i.e. Debian's
# runtime library packages (libmnl0, libnl-3-200, libnl-genl-3-200, libmd0, libc6).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ipvsadm")
# The maintainer scripts call deb-systemd-helper and deb-systemd-invoke from
# init-system-helpers (Essential: yes in Debian 12, so no Depends is needed).
# Written like debhelper's dh_installsystemd snippets: enable even without
# systemd running (a chroot, another init), start/stop only under systemd.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
# 0755 for the scripts and 0644 for conffiles, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The build is RelWithDebInfo; the package carries stripped programs.
set(CPACK_STRIP_FILES ON)
include(CPack)
