# Where `cmake --install` puts havip, and the Debian package built from the
# same rules (`cpack -G DEB`, run from the build directory). The paths are the
# ones the man pages and the systemd unit name: /usr/sbin/havipd,
# /usr/sbin/havipctl, /etc/havip/havipd.conf, /usr/lib/systemd/system/havipd.service.
include(GNUInstallDirs)

install(TARGETS havipd havipctl RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES systemd/havipd.service DESTINATION lib/systemd/system)
# An example only: the unit starts once /etc/havip/havipd.conf exists
# (ConditionFileNotEmpty), so installing never starts a daemon on a guess.
install(FILES conf/master.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/havip
        RENAME havipd.conf.example)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME havip)
set(CPACK_PACKAGE_VENDOR havip)
set(CPACK_PACKAGE_CONTACT "havip maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "VRRPv2 and IPVS high-availability daemon (keepalived.conf dialect)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the ELF files' NEEDED entries (dpkg-shlibdeps), i.e. Debian's
# runtime library packages (libmnl0, libnl-3-200, libnl-genl-3-200, libmd0, libc6).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ipvsadm")
# The build is RelWithDebInfo; the package carries stripped programs.
set(CPACK_STRIP_FILES ON)
include(CPack)
