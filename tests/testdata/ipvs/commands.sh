# The ipvsadm commands behind each golden request, shared by capture-userspace.sh
# and capture-in-vm.sh; in this order they also succeed against a real, empty
# IPVS table. capture NAME INDEX ARGS: INDEX counts ipvsadm's requests (0 = GET_INFO).
# Both scripts define capture() and $out (the directory the files go to).
capture add_service 1 -A -t 10.11.12.99:80 -s rr
capture add_dest 1 -a -t 10.11.12.99:80 -r 192.168.100.10:80 -m -w 1
capture add_dest_tunnel 1 -a -t 10.11.12.99:80 -r 192.168.100.20:80 -i -w 5 -x 100 -y 10
capture edit_service 1 -E -t 10.11.12.99:80 -s wlc
capture edit_dest 1 -e -t 10.11.12.99:80 -r 192.168.100.10:80 -m -w 0
capture list 0 -Ln
mv "$out/list.tx.bin" "$out/get_info.tx.bin"
capture list 1 -Ln
mv "$out/list.tx.bin" "$out/service_dump.tx.bin"
capture list 2 -Ln
mv "$out/list.tx.bin" "$out/dest_dump.tx.bin"
capture del_dest 1 -d -t 10.11.12.99:80 -r 192.168.100.10:80
capture del_service 1 -D -t 10.11.12.99:80
capture add_service_persistent 1 -A -t 10.11.12.99:443 -s wlc -p 300
capture add_service_fwmark 1 -A -f 7 -s rr
capture add_service_udp 1 -A -u 10.11.12.99:53 -s rr
