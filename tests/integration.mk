# tests/integration.mk - the test infrastructure shipped in the tarball:
# the throwaway PKI (used by make check's tests too), the Postfix
# integration suite, its tools, the whole-suite runner, dependencies and demo.
# The integration suite needs root and Postfix; it runs from tests/run-all.sh,
# not from make check.
EXTRA_DIST += tests/pki/make-pki.sh \
	tests/tools/split-signed.pl tests/tools/mime-digest.pl \
	tests/tools/mime-tree.pl tests/tools/make-msg.pl \
	tests/integration/lib.sh tests/integration/run.sh \
	tests/integration/verify3.sh tests/integration/t-harness.sh \
	tests/integration/t-sign.sh tests/integration/t-large.sh \
	tests/integration/t-digest.sh tests/integration/t-offline.sh \
	tests/integration/t-inbound.sh tests/integration/t-verifiers.sh \
	tests/integration/t-tcp.sh tests/integration/t-cosign.sh \
	tests/integration/t-verdicts-offline.sh tests/integration/t-vgca.sh \
	tests/pki/make-vgca-pki.sh \
	tests/integration/t-report-db.sh tests/integration/report-data.py \
	tests/integration/report-dom.py tests/integration/report-check.py \
	tests/integration/t-health.sh \
	tests/integration/t-notify.sh tests/integration/t-package.sh \
	tests/integration/sm-lib.sh tests/integration/t-sendmail.sh \
	tests/integration/t-noaddr.sh contrib/unpack-sendmail.sh \
	tests/integration/t-hp.sh \
	tests/run-all.sh contrib/install-deps.sh contrib/demo.sh
