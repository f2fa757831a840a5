/*
 * check.h - private to report/: kyso-report --check.
 */
#ifndef KYSO_REPORT_CHECK_H
#define KYSO_REPORT_CHECK_H

#include <stdio.h>
#include <time.h>

/* Check conf's certificates (never keys or PINs) at now, warning
 * warn_days ahead (-1: CertificateExpiryWarning); print one line to out.
 * Returns the Nagios state: 0 OK, 1 WARNING, 2 CRITICAL. */
int kyso_report_check(const char *conf, time_t now, int warn_days, FILE *out);

#endif
