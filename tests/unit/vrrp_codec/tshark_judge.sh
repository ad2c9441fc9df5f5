#!/usr/bin/env bash
# Wireshark's VRRP dissector judges havip's encoder: write_advert_pcap writes
# our encodePacket() output, tshark reads it back field by field.
# Usage: tshark_judge.sh PATH/TO/write_advert_pcap
set -euo pipefail

writer=${1:?usage: tshark_judge.sh PATH/TO/write_advert_pcap}
command -v tshark >/dev/null || { echo "FAIL: tshark is not installed (apt-get install tshark)"; exit 1; }

dir=$(mktemp -d /tmp/vrrp-codec-judge.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$writer" "$dir/ours.pcap"

# Field names checked with: tshark -G fields | grep -P '\tvrrp\.'
# Checksum status values: 0 bad, 1 good, 2 unverified.
actual=$(tshark -r "$dir/ours.pcap" -o ip.check_checksum:TRUE -T fields -E separator=' ' \
  -e ip.ttl -e ip.dsfield -e ip.flags.df -e ip.checksum.status \
  -e vrrp.version -e vrrp.type -e vrrp.virt_rtr_id -e vrrp.prio -e vrrp.auth_type \
  -e vrrp.auth_string -e vrrp.adver_int -e vrrp.ip_addr -e vrrp.checksum.status 2>"$dir/stderr") || {
  echo "FAIL: tshark failed:"; cat "$dir/stderr"; exit 1; }

expected="255 0xc0 0 1 2 1 51 100 1 1111 1 10.11.12.99 1
255 0xc0 0 1 2 1 51 0 1 1111 1 10.11.12.99 1
255 0xc0 0 1 2 1 51 100 1 0111 1 10.11.12.99 0"

if [[ "$actual" != "$expected" ]]; then
  echo "FAIL: tshark disagrees with the expected decoding"
  echo "fields: ttl dsfield df ip_cksum version type vrid prio auth_type auth_string adver_int ip_addr vrrp_cksum"
  echo "--- expected"; echo "$expected"
  echo "--- tshark"; echo "$actual"
  exit 1
fi
echo "PASS: tshark reads our adverts as VRRPv2 VRID 51 prio 100/0, simple text \"1111\", checksums good;"
echo "      and flags the corrupted control record's VRRP checksum as bad."
