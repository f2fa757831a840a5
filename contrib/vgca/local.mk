# contrib/vgca/ - TrustProfile vgca: the real public certificates of the
# Vietnamese Government CA (G1 root and intermediates, G2 root) and the
# profile's kind table, installed in $(pkgdatadir)/vgca.
vgcadir = $(pkgdatadir)/vgca
dist_vgca_DATA = contrib/vgca/anchors.pem contrib/vgca/intermediates.pem \
	contrib/vgca/legacy-sha1-anchors.pem contrib/vgca/kind.table
EXTRA_DIST += contrib/vgca/README.md tests/data/vgca/g1-ee-license-key-generator.pem \
	tests/data/vgca/mic-root.pem
