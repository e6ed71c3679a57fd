"""Convert identity and access incidents from the providers' own archived status feeds into history rows
(maintainers only; the resulting rows are committed in risk/data/history.csv, nothing here runs at run time).

    python tools/archive_history.py                 # print the converted rows (CSV) and the checks
    python tools/archive_history.py --write         # add the rows missing from risk/data/history.csv

Sources (public git copies of the providers' feeds; each record cites the provider's own link, not the copy):

- Google Cloud: ``outages/gcp-outages`` (a scrape of https://status.cloud.google.com/incidents.json), read at
  every stored revision up to commit 4cfa6b06192f521bf597a47925b2e28263a971ed (2026-08-20). The feed keeps a
  rolling window, so every revision is read and the newest version of each incident is kept.
- AWS: ``outages/aws-outages`` (a scrape of https://status.aws.amazon.com/data.json), every revision up to
  commit 2669a3527261a444bdb6c1dbc3d4f755cc1e9b9f (2023-05-26); the longest text of each event is kept.
- Azure and Google (2018-2021): ``IntelligentDDS/Post-mortems-Analysis`` at commit
  161e7cc9f167d9e87f96911b4055c74390058434: Azure status-history post-incident reviews (the provider's text, in
  anomaly_collection/Azure/*.json, with the printed pages in raw-public/azure/meta_txt as the second copy) and
  one Google Cloud IAM report (anomaly_collection/Google/GCIAM.json).

What is taken from the archive mechanically: the incident's existence, its provider link, and its times (Google:
the feed's begin/end, already UTC; AWS: the final "Between ... and ... PDT/PST" window, converted by the label's
offset; Azure: the review's UTC window, given below and checked to appear in the review text). What is a
reviewer's judgement, written in CURATED by hand from the provider's text: product, capability, severity, scope,
cause and the one-line summary (in our words). Records outside the shipped history's window (before
2018-01-17 or after 2026-06-01) are left out: the window is shared by every provider (docs/methodology.md,
"Coverage by provider").
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from risk.history.model import CSV_COLUMNS  # noqa: E402
from risk.regions import regions_in  # noqa: E402

HISTORY = ROOT / "risk" / "data" / "history.csv"
MIRRORS = Path("/work/.mirror")


class Archive(NamedTuple):
    repo: str
    commit: str
    path: str


ARCHIVES = {
    "gcp": Archive("outages/gcp-outages", "4cfa6b06192f521bf597a47925b2e28263a971ed", "gcp_outages.json"),
    "aws": Archive("outages/aws-outages", "2669a3527261a444bdb6c1dbc3d4f755cc1e9b9f", "aws_outages.json"),
    "study": Archive(
        "IntelligentDDS/Post-mortems-Analysis", "161e7cc9f167d9e87f96911b4055c74390058434", "anomaly_collection"
    ),
}
WINDOW = ("2018-01-17", "2026-06-01T23:59:59Z")


class Spec(NamedTuple):
    """One record: where it is in the archive, and the reviewer's reading of the provider's text."""

    id: str
    archive: str  # gcp | aws | azure | google-study
    key: str  # incident id (gcp), service_epoch (aws), review key (azure, google-study)
    product: str
    capability: str
    severity: str
    scope: str
    cause: str
    summary: str
    start: str | None = None  # UTC, only where the archive gives no machine-readable time (Azure, a few AWS)
    end: str | None = None
    provider: str = ""
    #: Coarse regions (risk/data/regions.yaml) where the scope names a place the region table does not know
    #: (us-gov-west-1, australia-southeast2, us-east5, Azure China...); otherwise read from the scope.
    regions: str | None = None


G, A, M = "Google", "Amazon Web Services", "Microsoft"

# fmt: off
CURATED: list[Spec] = [
    # ---- Google Cloud (status.cloud.google.com incidents) ----
    Spec("google-20180627", "google-study", "google-gciam-18001", "Cloud IAM", "admin", "partial", "global; Cloud Console and Resource Manager API", "unknown", "Cloud Console and the Resource Manager API failed IAM permission operations for about 50 minutes.", provider=G),
    Spec("google-20200326", "gcp", "zall/20003", "Cloud IAM; Cloud Key Management Service", "api", "major", "global; broad disruption about 3.5 h, stale permissions for admin operations about 14 h", "capacity/load", "IAM's permission data went stale when its real-time update pipeline fell behind; many services failed checks.", provider=G),
    Spec("google-20200918", "gcp", "hesFNrska6evGKChvR5c", "Cloud IAM; Cloud Key Management Service; Secret Manager", "api", "partial", "asia-east2 (Hong Kong)", "unknown", "IAM, KMS and Secret Manager requests failed in asia-east2 for about 1.5 hours.", provider=G),
    Spec("google-20210520", "gcp", "bhMb6ab2NNyBPFCaUhgV", "Cloud IAM", "api", "major", "global; 38 products listed", "software bug", "The service that distributes access-control lists failed; permission checks and new resources failed widely.", provider=G),
    Spec("google-20210621", "gcp", "N6EJou2rCwoEt8nowd2o", "Cloud External Key Manager", "api", "degraded", "global; limited set of internal endpoints", "unknown", "Cloud Monitoring and External Key Manager saw rising intermittent API errors for almost ten hours.", provider=G),
    Spec("google-20210824", "gcp", "8DhiwfKvD987f5tJrj1G", "Cloud IAM; Access Context Manager", "api; conditional-access", "partial", "australia-southeast2 (Melbourne); access-policy checks also posted apart (pYnCSa67rJ3Q5FrXxPHg)", "power/facility", "A voltage transient rebooted network gear in australia-southeast2; IAM, access policy and 21 other products were hit.", provider=G, regions="asia-pacific"),
    Spec("google-20220331", "gcp", "ukkfXQc8CEeFZbSTYQi7", "Cloud Key Management Service", "api", "partial", "us multi-region", "unknown", "Cloud KMS requests in the US multi-region returned elevated errors for about three hours.", provider=G),
    Spec("google-20220605", "gcp", "BnzamL7pXnge8zLHyjyK", "Cloud IAM", "admin", "degraded", "global; propagation of policy and group changes", "unknown", "Changes to IAM policies and group memberships took much longer than usual to take effect.", provider=G),
    Spec("google-20220713", "gcp", "3GPGN5Vdj2bXGKm4ngpE", "Cloud Firestore", "token-issuance", "degraded", "us-central1 and australia-southeast1", "unknown", "Firestore API requests failed authentication in two regions for about three hours.", provider=G, regions="us; asia-pacific"),
    Spec("google-20220825", "gcp", "c8KN35RKVPWq9uCkVDsr", "Cloud Key Management Service", "api", "partial", "us-central1 (Iowa)", "network/DNS/BGP", "Network latency in us-central1 caused errors in KMS and other dependent services for an hour.", provider=G),
    Spec("google-20221114", "gcp", "rjV26MkG41n1YSAWL97S", "Access Context Manager; Cloud IAM", "conditional-access", "partial", "global; customers using context-aware access levels", "capacity/load", "A capacity cut during a fix overloaded Access Context Manager; users behind access levels were refused.", provider=G),
    Spec("google-20221202", "gcp", "UHoBgMgvvQKa18JQjdbs", "Identity-Aware Proxy", "sign-in", "partial", "global; SSH to VMs through IAP tunnels", "software bug", "IAP could not look up new VM instances, so SSH through IAP tunnels failed for more than a day.", provider=G),
    Spec("google-20221207", "gcp", "6spKpZebRXKh87iEw884", "Identity-Aware Proxy; Cloud IAM", "admin", "degraded", "global; listing or describing IAP OAuth clients", "unknown", "Listing or describing IAP OAuth clients intermittently returned permission-denied errors.", provider=G),
    Spec("google-20221209", "gcp", "nrhani4w9dJbBEDUtfq8", "Cloud IAM", "api", "partial", "Asia and Australia; seven products", "config change", "A configuration change made IAM and six other products return errors across Asia and Australia.", provider=G),
    Spec("google-20230105", "gcp", "SQXFKiCS8wTZ7Qbm516f", "Cloud Functions", "token-issuance", "degraded", "global; 2nd-generation functions", "unknown", "Second-generation Cloud Functions users hit authentication failures for about 4.5 hours.", provider=G),
    Spec("google-20230208", "gcp", "C9ef8RLuugDarRXTYrc4", "Apigee", "federation", "degraded", "some customers' Apigee SAML sign-in", "unknown", "SAML authentication flows were missing for some Apigee customers for about six hours.", provider=G),
    Spec("google-20230227", "gcp", "LnvJwfYu3TCyUrcrP7yf", "Cloud IAM", "api", "major", "global; 13 products", "network/DNS/BGP", "A bad network-model snapshot disrupted Google's backbone routing; IAM and 12 other products failed briefly.", provider=G),
    Spec("google-20230303", "gcp", "3t3AhHBSxfDL9cyd5unv", "Cloud IAM", "admin", "degraded", "global; project create, update, delete and undelete", "unknown", "Project create, update, delete and undelete API calls returned more errors for about an hour.", provider=G),
    Spec("google-20230414", "gcp", "wD45bkXgkWHbVkgAGqTr", "Identity Platform", "mfa", "degraded", "Android phone auth with SMS MFA and Play Integrity", "unknown", "Android sign-ins using SMS multi-factor with Play Integrity failed with internal errors.", provider=G),
    Spec("google-20230425", "gcp", "dS9ps52MUnxQfyDGPfkY", "Cloud IAM; Identity-Aware Proxy; Managed Service for Microsoft AD; Cloud Key Management Service; Secret Manager", "api", "partial", "europe-west9 (Paris); zone europe-west9-a down, regional products degraded", "power/facility", "A water leak and fire in a Paris data centre took down europe-west9-a and degraded the region.", provider=G),
    Spec("google-20230426", "gcp", "RBVxDz7u4Jhy5BDbzhdZ", "Cloud IAM", "api", "degraded", "a very small number of projects", "unknown", "IAM and nine other products failed for a very small number of projects for about 1.5 hours.", provider=G),
    Spec("google-20230502", "gcp", "1BQCF3xEvQvQPkSmpLx4", "Google Cloud Console", "admin", "degraded", "global; gcloud users signed in with service accounts", "software bug", "The gcloud command-line tool crashed for users authenticated as service accounts for 2.5 hours.", provider=G),
    Spec("google-20230506", "gcp", "W8APSvPHcxDNyEKyTqJP", "Cloud Key Management Service", "api", "partial", "europe-west9-c (Paris)", "unknown", "Cloud KMS and four other products were impaired in the europe-west9-c zone for 4.5 hours.", provider=G),
    Spec("google-20230619", "gcp", "X3683kovx3cNYjorkosn", "Cloud IAM", "token-issuance", "partial", "us-west1 and US multi-region; GKE and Cloud Storage", "config change", "A signing key for internal credentials did not reach one machine before rotation; requests got 403 errors.", provider=G),
    Spec("google-20230626", "gcp", "1mpRJhopNgsxKPysP9Uh", "Cloud IAM", "api", "degraded", "global", "unknown", "Cloud IAM returned elevated errors for about 15 minutes.", provider=G),
    Spec("google-20230626-2", "gcp", "QGLbjf9r6jTh2ieZpKyE", "Cloud IAM", "token-issuance", "partial", "us-east5 (Columbus)", "unknown", "Authentication failures in us-east5 raised error rates for Bigtable, Pub/Sub, Cloud SQL and Data Catalog.", provider=G, regions="us"),
    Spec("google-20230626-3", "gcp", "zuLfia4yeygLpCGJfuEF", "Cloud IAM", "admin", "degraded", "global; Cloud Console IAM page", "unknown", "Administrators could not add or remove project members through the Cloud Console for 1.5 hours.", provider=G),
    Spec("google-20230726", "gcp", "yjLgTvdxqSmPCvMQ6ZdQ", "Access Context Manager", "admin", "degraded", "Serverless VPC Access users of VPC Service Controls", "unknown", "Creating and deleting serverless connectors under VPC Service Controls failed for almost a day.", provider=G),
    Spec("google-20230811", "gcp", "eDpMQWJPXiQRvMPL8ahx", "Cloud IAM; Access Context Manager", "admin", "degraded", "dedicated production environment", "config change", "Audit logging for IAM and Access Context Manager was misconfigured in one dedicated environment.", provider=G),
    Spec("google-20230816", "gcp", "NMdPtFt65XYVXR5UhdF6", "Cloud IAM", "api", "degraded", "global", "unknown", "IAM requests were slow or failed with deadline-exceeded and unavailable errors for about six hours.", provider=G),
    Spec("google-20230830", "gcp", "dxWyd7QWvWktRqwo5u6r", "Google Cloud Console", "admin", "degraded", "a limited number of customers", "dependency failure", "A third-party firewall blocked some customers from reaching Cloud Console resources for about four hours.", provider=G),
    Spec("google-20231108", "gcp", "SAKLsoUFXmYay2SvpNsq", "Secret Manager", "api", "degraded", "App Engine and Cloud Run callers", "unknown", "Secret Manager requests from App Engine and Cloud Run timed out for about two hours.", provider=G),
    Spec("google-20231115", "gcp", "iRvJVnsbz8T47ySiy5Hg", "Firebase Authentication; Identity Platform", "token-issuance", "partial", "Firestore nam5 multi-region; flows crossing regions", "software bug", "A key rotation left some regions unable to verify new identity tokens; Firestore wrongly denied access.", provider=G, regions="us"),
    Spec("google-20240207", "gcp", "McSxWsRNvAPn7SbWGGig", "Cloud IAM", "api", "partial", "europe-west8-b (Milan)", "network/DNS/BGP", "Technicians removed live fibre during a network upgrade, cutting off europe-west8-b for two hours.", provider=G),
    Spec("google-20240214", "gcp", "u6rQ2nNVbhAFqGCcTm58", "Cloud IAM; Cloud Key Management Service", "api", "partial", "us-west1 (Oregon); 53 products", "capacity/load", "The regional metadata store in us-west1 lost capacity; 53 products including IAM and KMS failed.", provider=G),
    Spec("google-20240503", "gcp", "rErZ4r752o4rt4qaotfL", "Firebase Authentication; Identity Platform", "sign-in", "degraded", "a few customers", "unknown", "Firebase Authentication sign-ins failed for a few customers for about four hours.", provider=G),
    Spec("google-20240904", "gcp", "7rczP2PdT9JYwUTM7M3N", "Access Context Manager", "conditional-access", "degraded", "us-central1; new VMs or networks under VPC Service Controls", "unknown", "VPC Service Controls misbehaved for newly created VMs and networks in us-central1 for five hours.", provider=G),
    Spec("google-20241016", "gcp", "RAGcW4N9jHRkrAjnX2v7", "Cloud IAM", "api", "partial", "us-west2 (Los Angeles); mainly us-west2-a", "config change", "A cluster-management rollout broke service discovery in us-west2; IAM and 12 other products failed.", provider=G, regions="us"),
    Spec("google-20241029", "gcp", "Pvq1RGrACDwogEE8hcrm", "Cloud IAM; Cloud Key Management Service", "api", "partial", "australia-southeast2 (Melbourne)", "power/facility", "A voltage swell rebooted network equipment in australia-southeast2; 22 products were briefly hit.", provider=G, regions="asia-pacific"),
    Spec("google-20241116", "gcp", "kDBRnSgQCPw93E8vKKat", "Cloud IAM", "api", "partial", "asia-southeast2 (Jakarta)", "network/DNS/BGP", "Two fibre cuts near asia-southeast2 left too little capacity; IAM and 22 other products were hit.", provider=G, regions="asia-pacific"),
    Spec("google-20250304", "gcp", "hdknJ5aWh8KCAimNhTHe", "Apigee", "admin", "degraded", "Apigee, Apigee Edge and Apigee Hybrid admin UI", "certificate expiry", "Administrators could not sign in to the Apigee admin UI for about 1.5 hours; an expired certificate was blamed.", provider=G),
    Spec("google-20250329", "gcp", "N3Dw7nbJ7rk7qwrtwh7X", "Cloud IAM", "api", "partial", "us-east5-c (Columbus)", "power/facility", "Utility power loss and a UPS battery failure took down zone us-east5-c for about six hours.", provider=G, regions="us"),
    Spec("google-20250718", "gcp", "8cY8jdUpEGGbsSMSQk7J", "Cloud IAM; Cloud Key Management Service; Secret Manager", "api", "partial", "us-east1 (South Carolina); 47 products", "network/DNS/BGP", "The wrong switch was unplugged during hardware replacement, partitioning us-east1's network control plane.", provider=G),
    Spec("google-20201023", "gcp", "3gQTXFNuxBfN4GBr2RAY", "Google Cloud SDK", "sign-in", "partial", "global; gcloud auth application-default login", "unknown", "Signing in with gcloud auth application-default login failed for about two hours.", provider=G),
    # ---- AWS (status.aws.amazon.com events) ----
    Spec("aws-20180530", "aws", "cognito-us-east-1_1527647488", "Amazon Cognito", "sign-in", "degraded", "us-east-1 (N. Virginia); Facebook identities in user pools", "unknown", "Some users could not sign in or sign up to Cognito user pools with Facebook identities.", start="2018-05-30", provider=A),
    Spec("aws-20180621", "aws", "iam_1529622992", "AWS IAM", "api", "partial", "global IAM APIs", "unknown", "IAM API calls saw higher error rates and latency for about half an hour.", provider=A),
    Spec("aws-20180716", "aws", "management-console_1531774261", "AWS Sign-In; AWS Management Console", "sign-in", "partial", "global; console sign-in with root credentials", "unknown", "Console access with root-account credentials failed intermittently; IAM-user sign-in was unaffected.", provider=A),
    Spec("aws-20180808", "aws", "management-console_1533696595", "AWS Management Console", "admin", "partial", "ap-northeast-1 (Tokyo)", "unknown", "The AWS Management Console returned elevated errors in Tokyo for 81 minutes.", provider=A),
    Spec("aws-20180820", "aws", "sso-us-east-1_1534799678", "AWS IAM Identity Center", "sign-in", "partial", "us-east-1 (N. Virginia)", "unknown", "AWS SSO (now IAM Identity Center) had elevated errors and latency in us-east-1 for almost four hours.", provider=A),
    Spec("aws-20180827", "aws", "cognito-us-west-2_1535399349", "Amazon Cognito", "sign-in; api", "partial", "us-west-2 (Oregon); Cognito user pools", "unknown", "Cognito user-pool API calls failed more often in us-west-2 for almost two hours.", provider=A),
    Spec("aws-20180926", "aws", "cloudhsm-eu-west-1_1537956232", "AWS CloudHSM", "api", "partial", "eu-west-1 (Ireland), one Availability Zone; CloudHSM Classic only", "network/DNS/BGP", "CloudHSM Classic devices in one Irish zone lost network connectivity; follow-up moved to per-account notices.", start="2018-09-26", provider=A),
    Spec("aws-20181004", "aws", "secretsmanager-us-west-2_1538645129", "AWS Secrets Manager", "api", "partial", "us-west-2 (Oregon)", "unknown", "Secrets Manager API calls had elevated errors and latency in us-west-2 for almost six hours.", provider=A),
    Spec("aws-20181025", "aws", "iam_1540486732", "AWS IAM", "admin", "degraded", "multiple regions; administrative APIs only", "unknown", "IAM create, delete, list, get and update calls were slow for four hours; authentication was unaffected.", provider=A),
    Spec("aws-20181113", "aws", "iam_1542102750", "AWS IAM", "admin", "degraded", "IAM console policy operations", "unknown", "Policy operations in the IAM console failed more often for an hour.", provider=A),
    Spec("aws-20181211", "aws", "management-console-us-gov-west-1_1544570280", "AWS Management Console", "admin", "partial", "us-gov-west-1 (GovCloud)", "unknown", "The AWS Management Console returned elevated errors in GovCloud (US-West) for 1.5 hours.", provider=A, regions="us"),
    Spec("aws-20181212", "aws", "kms-sa-east-1_1544584045", "AWS KMS", "api", "degraded", "sa-east-1 (Sao Paulo); CreateKey API", "unknown", "KMS CreateKey calls failed more often in sa-east-1 for 100 minutes.", provider=A),
    Spec("aws-20190213", "aws", "iam_1550029704", "AWS IAM", "api", "partial", "global IAM APIs", "unknown", "IAM API calls had elevated errors and latency for about 1.5 hours.", provider=A),
    Spec("aws-20190320", "aws", "management-console_1553118849", "AWS Management Console", "admin", "partial", "eu-west-3 (Paris)", "unknown", "The AWS Management Console had elevated errors and latency in Paris for 55 minutes.", provider=A),
    Spec("aws-20190425", "aws", "sso-us-east-1_1556215997", "AWS IAM Identity Center; AWS Management Console", "federation; admin", "partial", "us-east-1 (N. Virginia); console /home link and SSO console sign-in", "unknown", "The console home page failed in us-east-1; SSO users were sent to an error page after SAML sign-in.", provider=A),
    Spec("aws-20191112", "aws", "iam_1573586011", "AWS IAM", "api", "partial", "some IAM APIs", "unknown", "Some IAM APIs had elevated errors and latency for about two hours.", provider=A),
    Spec("aws-20191219", "aws", "iam_1576790068", "AWS IAM", "federation", "partial", "global; SAML sign-in to the AWS console", "unknown", "SAML-based sign-in to the AWS console failed more often for over three hours; other sign-ins worked.", provider=A),
    Spec("aws-20200118", "aws", "iam_1579369796", "AWS IAM", "api", "partial", "global IAM requests", "capacity/load", "High IAM latency caused request errors for over two hours.", provider=A),
    Spec("aws-20200612", "aws", "iam_1591943413", "AWS IAM; AWS Organizations", "admin", "partial", "multiple regions; CreateRole and CreateServiceLinkedRole, account creation", "unknown", "IAM role creation failed for about nine hours; Organizations account creation was also hit.", provider=A),
    Spec("aws-20200721", "aws", "iam_1595327154", "AWS STS; AWS IAM", "token-issuance", "partial", "AssumeRole and GetSessionToken with long-term credentials", "unknown", "AssumeRole, GetSessionToken and other calls with long-term credentials failed more often for 2.5 hours.", provider=A),
    Spec("aws-20200903", "aws", "iam_1599168415", "AWS IAM", "admin", "partial", "all regions; IAM create, describe, modify and delete", "unknown", "IAM operations failed in every region for 21 minutes; authentication with existing roles still worked.", provider=A),
    Spec("aws-20200916", "aws", "iam_1600294646", "AWS IAM", "admin", "partial", "all regions; IAM operations", "unknown", "IAM operations had errors and latency in all regions for 2.7 hours; existing credentials still worked.", provider=A),
    Spec("aws-20201001", "aws", "iam_1601585449", "AWS IAM", "admin", "partial", "mutating IAM APIs", "unknown", "Create, update and delete IAM calls failed more often for 40 minutes.", provider=A),
    Spec("aws-20210309", "aws", "cognito-us-east-2_1615329039", "Amazon Cognito", "sign-in; api", "partial", "us-east-2 (Ohio); Cognito user pools", "software bug", "A subsystem deployment raised Cognito user-pool API errors in us-east-2 until it was rolled back.", provider=A),
    Spec("aws-20210609", "aws", "signin-us-east-1_1623264111", "AWS Sign-In", "federation", "partial", "us-east-1; SAML federation to the AWS console", "unknown", "SAML-federated sign-in to the AWS console timed out or was slow, on and off, for almost four hours.", provider=A),
    Spec("aws-20210617", "aws", "ec2-eu-north-1_1623977653", "AWS IAM; AWS STS", "token-issuance; api", "major", "eu-north-1 (Stockholm); services that authenticate through IAM", "unknown", "IAM authentication calls failed in eu-north-1, so other AWS services there returned errors for an hour.", start="2021-06-17T23:59:00Z", end="2021-06-18T01:02:00Z", provider=A),
    Spec("aws-20210803", "aws", "management-console_1628029136", "AWS Management Console", "admin", "partial", "eu-south-1 (Milan)", "unknown", "The AWS Management Console returned errors in Milan for 38 minutes.", provider=A),
    Spec("aws-20210826", "aws", "iam_1629996723", "AWS IAM", "admin", "partial", "global; propagation delayed in me-south-1, eu-south-1, ap-east-1, af-south-1", "unknown", "IAM API errors and slow propagation of changes for 2.5 hours; existing credentials kept working.", provider=A),
    Spec("aws-20211012", "aws", "management-console_1634052623", "AWS Management Console", "admin", "partial", "global console; service APIs unaffected", "unknown", "The AWS Management Console had elevated errors and latency for 29 minutes; APIs worked.", provider=A),
    Spec("aws-20211012-2", "aws", "directoryservice-ap-southeast-2_1634086680", "AWS Directory Service", "mfa; sign-in", "partial", "ap-southeast-2 (Sydney); AD Connector with MFA; WorkSpaces, Client VPN, SSO", "unknown", "AD Connector directories with MFA failed authentications in Sydney for over eight hours.", provider=A),
    Spec("aws-20211124", "aws", "management-console_1637780142", "AWS Management Console", "admin", "partial", "us-east-2 (Ohio)", "unknown", "The AWS Management Console had elevated errors and latency in Ohio for 99 minutes.", provider=A),
    Spec("aws-20211222-2", "aws", "directoryservice-us-east-1_1640203590", "AWS Directory Service; AWS IAM Identity Center", "sign-in", "partial", "us-east-1; AD Connector or Managed AD used for sign-in (SSO, WorkSpaces)", "unknown", "Sign-ins through AD Connector or Managed AD failed for some us-east-1 customers for almost 13 hours.", provider=A),
    Spec("aws-20220718", "aws", "sso-us-east-1_1658156924", "AWS IAM Identity Center", "federation", "partial", "us-east-1; customers using an external identity provider", "unknown", "SSO sign-in through an external identity provider failed in us-east-1 for about an hour.", provider=A),
    Spec("aws-20220718-2", "aws", "sso-us-east-1_1658178914", "AWS IAM Identity Center; AWS Directory Service", "sign-in", "partial", "us-east-1; AWS sign-in page for SSO, WorkSpaces, WorkMail, Connect, QuickSight", "unknown", "The AWS sign-in page returned 503/504 errors for new sessions; a second burst came later that day.", start="2022-07-18", provider=A),
    Spec("aws-20220727", "aws", "secretsmanager-us-east-1_1658948667", "AWS Secrets Manager", "api", "partial", "us-east-1 (N. Virginia); including Lambda functions reading secrets", "unknown", "Secrets Manager API calls timed out or failed in us-east-1 until 12:30 PDT; functions reading secrets failed.", start="2022-07-27", end="2022-07-27T19:30:00Z", provider=A),
    Spec("aws-20221024", "aws", "cognito-us-east-2_1666632939", "Amazon Cognito", "sign-in", "partial", "us-east-2 (Ohio); Cognito Hosted UI", "unknown", "The Cognito Hosted UI returned elevated errors in us-east-2 for about an hour.", provider=A),
    Spec("aws-20221206", "aws", "iam_1670335858", "AWS IAM", "api", "partial", "global IAM APIs", "unknown", "IAM API calls had elevated errors and latency for 94 minutes.", provider=A),
    Spec("aws-20230303", "aws", "iam-us-gov-west-1_1677814497", "AWS STS", "token-issuance", "partial", "us-gov-west-1 (GovCloud US-West)", "unknown", "STS calls failed more often in GovCloud (US-West) for three hours; dependent services were hit.", provider=A, regions="us"),
    # ---- Microsoft (Azure status history post-incident reviews) ----
    Spec("microsoft-20180409", "azure", "azure-20180409-1", "Azure AD B2C", "sign-in", "partial", "multiple regions", "unknown", "Azure AD B2C sign-ins returned HTTP 503 errors in several regions for about two hours.", start="2018-04-09T19:57:00Z", end="2018-04-09T22:05:00Z", provider=M),
    Spec("microsoft-20180905", "azure", "azure-20180905-1", "Entra ID", "sign-in", "degraded", "Japan, India, Australia, South Brazil, East US 2; a small subset of customers", "software bug", "A VM platform change broke HTTP settings of the Azure AD proxy; some sign-ins failed for days.", start="2018-09-05T09:00:00Z", end="2018-09-10T05:50:00Z", provider=M),
    Spec("microsoft-20180906", "azure", "azure20180906-1", "Entra ID", "sign-in", "partial", "multiple services", "software bug", "A deployment left Azure AD backend instances unhealthy; authentication requests failed intermittently.", start="2018-09-06T16:13:00Z", end="2018-09-07T01:35:00Z", provider=M),
    Spec("microsoft-20181008", "azure", "azure-20181008-1", "Azure DevOps; Entra ID", "sign-in", "partial", "Azure DevOps customers; a small subset of Azure portal sign-ins", "hardware failure", "A faulty network device was not routed around; Azure DevOps and some portal sign-ins failed.", start="2018-10-08T11:40:00Z", end="2018-10-08T13:30:00Z", provider=M),
    Spec("microsoft-20181011", "azure", "azure-20181011-2", "Entra ID", "sign-in", "partial", "Azure Portal and Azure DevOps sign-in", "network/DNS/BGP", "A CDN endpoint handling authentication became unreachable; portal and DevOps sign-ins failed.", start="2018-10-11T15:59:00Z", end="2018-10-11T18:35:00Z", provider=M),
    Spec("microsoft-20190129", "azure", "azure-20190129-1", "Entra ID; Microsoft Global Network", "sign-in", "major", "global; Azure, US Government and German clouds", "dependency failure", "A third-party DNS provider's outage disrupted Microsoft cloud access and Azure authentication.", start="2019-01-29T21:00:00Z", end="2019-01-30T00:10:00Z", provider=M),
    Spec("microsoft-20190218", "azure", "azure-20190218-1", "Entra ID", "sign-in", "degraded", "germany; Azure Germany portal sign-in page", "config change", "A URL-reputation feed wrongly flagged the Azure Germany sign-in page, so browsers warned users away.", start="2019-02-18T14:10:00Z", end="2019-02-18T17:20:00Z", provider=M),
    Spec("microsoft-20190430", "azure", "azure-20190501-1", "Azure Cloud Shell", "sign-in", "degraded", "shell.azure.com only; Cloud Shell in the portal worked", "config change", "A configuration file out of step with its code stopped sign-in to shell.azure.com.", start="2019-04-30T18:00:00Z", end="2019-05-01T23:20:00Z", provider=M),
    Spec("microsoft-20190708", "azure", "azure-20190708-1", "Entra ID", "password-reset", "partial", "a subset of customers; cloud-only and hybrid", "software bug", "A certificate deployment bug made Azure AD reject password changes for over four hours.", start="2019-07-08T18:09:00Z", end="2019-07-08T22:32:00Z", provider=M),
    Spec("microsoft-20190730", "azure", "azure-20190730-1", "Microsoft account", "sign-in", "partial", "a subset of Microsoft account users", "hardware failure", "A network module failed during maintenance; some Microsoft-account sign-ins to Azure failed.", start="2019-07-30T21:00:00Z", end="2019-07-30T22:24:00Z", provider=M),
    Spec("microsoft-20190930", "azure", "azure-20190930-1", "Entra Domain Services", "sign-in", "partial", "Azure Files from domain-joined machines", "config change", "A missed step in an authentication upgrade broke Azure Files access from Domain Services machines.", start="2019-09-30T18:00:00Z", end="2019-10-03T05:00:00Z", provider=M),
    Spec("microsoft-20191022", "azure", "azure-20191022-1", "Entra ID", "sign-in", "partial", "West Europe; Azure portal sign-in", "capacity/load", "A deployment sent extra traffic to Azure AD in West Europe; portal sign-ins failed for three hours.", start="2019-10-22T06:40:00Z", end="2019-10-22T09:54:00Z", provider=M),
    Spec("microsoft-20200130", "azure", "azure-20200130-1", "Entra ID", "sign-in", "partial", "US Government cloud; about 6% of customers", "config change", "A synchronised application setting broke sign-in for about 6% of US Government cloud customers.", start="2020-01-30T19:12:00Z", end="2020-01-31T00:10:00Z", provider=M),
    Spec("microsoft-20200222", "azure", "azure20200222-1", "Microsoft account", "sign-in", "partial", "Microsoft account users; new account creation", "capacity/load", "An authentication component overloaded during maintenance; Microsoft-account sign-ins failed.", start="2020-02-22T00:00:00Z", end="2020-02-22T04:41:00Z", provider=M),
    Spec("microsoft-20200305", "azure", "azure-20200305-1", "Entra ID; Azure", "sign-in; admin", "partial", "Azure China regions", "dependency failure", "Certificate-status (OCSP/CRL) checks failed in Azure China, breaking management and sign-in.", start="2020-03-05T13:03:00Z", end="2020-03-06T08:03:00Z", provider=M, regions="asia-pacific"),
    Spec("microsoft-20200614", "azure", "azure-20200614-1", "Entra ID", "token-issuance", "partial", "a subset of customers in one region", "capacity/load", "A traffic surge overloaded token-issuing infrastructure in a region; sign-ins got transient errors.", start="2020-06-14T23:00:00Z", end="2020-06-15T01:40:00Z", provider=M),
    Spec("microsoft-20201007", "azure", "azure-20201007-1", "Microsoft Global Network; Entra ID", "network-edge; sign-in", "partial", "multiple Azure services and regions", "software bug", "A routing-control code defect caused packet loss and sign-in failures across Azure for 22 minutes.", start="2020-10-07T18:20:00Z", end="2020-10-07T18:42:00Z", provider=M),
    Spec("microsoft-20201027", "azure", "azure-20201027-1", "Azure AD B2C", "sign-in", "partial", "North Europe and West Europe", "capacity/load", "A configuration change and a traffic surge overloaded Azure AD B2C in Europe; users saw 502/504 errors.", start="2020-10-27T08:40:00Z", end="2020-10-27T11:10:00Z", provider=M),
    Spec("microsoft-20210318", "azure", "azure-20210318-1", "Azure Key Vault", "api", "partial", "West Europe and North Europe", "unknown", "Key Vault requests returned internal server errors in West and North Europe for over three hours.", start="2021-03-18T23:00:00Z", end="2021-03-19T02:15:00Z", provider=M),
    Spec("microsoft-20211027", "azure", "azure-20211027-1", "Entra ID", "mfa", "partial", "United States; SMS as the second factor", "dependency failure", "SMS codes for Azure AD MFA were not delivered to some US users for over three hours.", start="2021-10-27T10:03:00Z", end="2021-10-27T13:20:00Z", provider=M),
    Spec("microsoft-20211109", "azure", "azure-20211109-1", "Entra ID", "sign-in", "partial", "traffic routed through West Central US and Central US; My Apps", "software bug", "A My Apps (Access Panel) code change caused intermittent failures to launch SSO apps for five hours.", start="2021-11-09T14:03:00Z", end="2021-11-09T19:28:00Z", provider=M),
    Spec("microsoft-20211116", "azure", "azure-20211116-1", "Azure AD B2C", "sign-in", "partial", "Australia", "software bug", "A code defect exhausted outbound ports on B2C nodes in Australia; sign-ins timed out for 8.7 hours.", start="2021-11-16T20:20:00Z", end="2021-11-17T05:00:00Z", provider=M),
]
# fmt: on

#: Provider's own link for an Azure review without a tracking ID (the status history page it was printed from).
AZURE_HISTORY = "https://status.azure.com/en-us/status/history/"


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def blobs(repo: Path, commit: str, path: str) -> list[tuple[str, str, str]]:
    """(commit, date, blob) of every stored revision of `path` up to `commit`, newest first."""
    out = git(repo, "log", "--format=C %H %cI", "--raw", "--no-abbrev", commit, "--", path).decode()
    rows, current = [], ("", "")
    for line in out.splitlines():
        if line.startswith("C "):
            _, sha, when = line.split()
            current = (sha, when)
        elif line.startswith(":"):
            rows.append((*current, line.split()[3]))
    return rows


def read_blobs(repo: Path, shas: list[str]):
    """Yield (sha, bytes) for the blobs stored in the copy (a snapshot may lack some: they are skipped)."""
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin and proc.stdout
    for sha in shas:
        proc.stdin.write(f"{sha}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        yield sha, data
    proc.stdin.close()
    proc.wait()


def gcp_incidents(repo: Path) -> dict[str, tuple[dict, str]]:
    """Every incident in any stored revision of the feed: its newest version and the commit it was read at."""
    revisions = blobs(repo, ARCHIVES["gcp"].commit, ARCHIVES["gcp"].path)
    commit_of: dict[str, str] = {}
    for sha, _, blob in revisions:
        commit_of.setdefault(blob, sha)
    found: dict[str, tuple[dict, str]] = {}
    for blob, data in read_blobs(repo, list(commit_of)):
        try:
            items = json.loads(data)
        except ValueError:
            continue
        for item in items:
            key = item.get("id") or f"{item.get('service_key')}/{item.get('number')}"
            stamp = item.get("modified") or item.get("created") or ""
            old = found.get(key)
            if old is None or stamp > (old[0].get("modified") or old[0].get("created") or ""):
                found[key] = (item, commit_of[blob])
    return found


def aws_events(repo: Path) -> dict[str, tuple[dict, str]]:
    """Every event in any stored revision of data.json: its longest text and the commit it was read at."""
    revisions = blobs(repo, ARCHIVES["aws"].commit, ARCHIVES["aws"].path)
    commit_of: dict[str, str] = {}
    for sha, _, blob in revisions:
        commit_of.setdefault(blob, sha)
    found: dict[str, tuple[dict, str]] = {}
    for blob, data in read_blobs(repo, list(commit_of)):
        try:
            doc = json.loads(data)
        except ValueError:
            continue
        for event in (doc.get("archive") or []) + (doc.get("current") or []) if isinstance(doc, dict) else []:
            key = f"{event['service']}_{event['date']}"
            old = found.get(key)
            if old is None or len(event.get("description", "")) > len(old[0].get("description", "")):
                found[key] = (event, commit_of[blob])
    return found


def study(repo: Path, folder: str) -> dict[str, dict]:
    commit = ARCHIVES["study"].commit
    names = git(repo, "ls-tree", "--name-only", commit, f"{ARCHIVES['study'].path}/{folder}/").decode().split()
    out: dict[str, dict] = {}
    for name in names:
        if name.endswith(".json"):
            out.update(json.loads(git(repo, "show", f"{commit}:{name}")))
    return out


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(text))).strip()


PACIFIC = {"PDT": -7, "PST": -8}
_CLOCK = r"(\d{1,2}):(\d{2}) ?(AM|PM)?"
_WINDOW = re.compile(
    rf"[Bb]etween (?:(\w+ \d+),? )?{_CLOCK} ?(?:PDT|PST)? (?:and|to) (?:(\w+ \d+),? )?{_CLOCK} (PDT|PST)"
)


def _hour(h: str, m: str, half: str | None) -> tuple[int, int]:
    hour = int(h) % 12 + (12 if half == "PM" else 0)
    return hour, int(m)


def aws_window(event: dict) -> tuple[datetime, datetime]:
    """The last 'Between ... and ... PDT/PST' window of an event, in UTC. The day is the Pacific day of the
    first post (the event's date), or the day before when the window starts after that post."""
    text = plain(event["description"])
    found = list(_WINDOW.finditer(text))
    if not found:
        raise ValueError(f"no 'Between ... PDT/PST' window in {event['service']}_{event['date']}")
    g = found[-1].groups()
    offset = timedelta(hours=PACIFIC[g[8]])
    posted = datetime.fromtimestamp(int(event["date"]), UTC) + offset  # Pacific wall clock
    day = posted.date()
    sh, sm = _hour(g[1], g[2], g[3] or g[7])
    eh, em = _hour(g[5], g[6], g[7])
    year = day.year

    def on(label: str | None, default) -> datetime.date:
        return datetime.strptime(f"{label} {year}", "%B %d %Y").date() if label else default

    start_day = on(g[0], day)
    start = datetime(start_day.year, start_day.month, start_day.day, sh, sm)
    if not g[0] and start > posted.replace(tzinfo=None) + timedelta(hours=1):
        start -= timedelta(days=1)
    end_day = on(g[4], start.date())
    end = datetime(end_day.year, end_day.month, end_day.day, eh, em)
    if end < start:
        end += timedelta(days=1)
    return (start - offset).replace(tzinfo=UTC), (end - offset).replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00Z")


def _tracking(title: str) -> str | None:
    m = re.search(r"Tracking ID[: ]+([A-Z0-9_]{3,5}-[A-Z0-9]{3})", title)
    return m.group(1) if m else None


def _azure_clock(moment: str) -> list[str]:
    """The ways a review may write a UTC time: '19:57' (and, for offsets, the local clock is checked by hand)."""
    return [moment[11:16]]


def convert(specs: list[Spec], gcp_repo: Path, aws_repo: Path, study_repo: Path) -> tuple[list[dict], list[str]]:
    """(history rows, notes on each record's copy and checks)."""
    gcp = gcp_incidents(gcp_repo) if any(s.archive == "gcp" for s in specs) else {}
    aws = aws_events(aws_repo) if any(s.archive == "aws" for s in specs) else {}
    azure = study(study_repo, "Azure")
    google = study(study_repo, "Google")
    raw_azure = {
        Path(n).stem: n
        for n in git(study_repo, "ls-tree", "--name-only", ARCHIVES["study"].commit, "raw-public/azure/meta_txt/")
        .decode()
        .split()
    }
    rows, notes = [], []
    for s in specs:
        if s.archive == "gcp":
            item, commit = gcp[s.key]
            start, end = item["begin"], item.get("end")
            start = iso(datetime.fromisoformat(start.replace("Z", "+00:00")))
            end = iso(datetime.fromisoformat(end.replace("Z", "+00:00"))) if end else None
            url = (
                f"https://status.cloud.google.com/incident/{s.key}"
                if "/" in s.key
                else f"https://status.cloud.google.com/incidents/{s.key}"
            )
            note = f"{s.id}: {ARCHIVES['gcp'].repo}@{commit[:12]}"
            twin = next((v for v in google.values() if url in (v.get("link") or [])), None)
            if twin:
                note += f"; second copy {ARCHIVES['study'].repo} ({twin.get('duration')} min stated)"
        elif s.archive == "aws":
            event, commit = aws[s.key]
            if s.start:
                start, end = s.start, s.end
            else:
                a, b = aws_window(event)
                start, end = iso(a), iso(b)
            url = f"https://status.aws.amazon.com/#{s.key}"
            note = f"{s.id}: {ARCHIVES['aws'].repo}@{commit[:12]}"
        elif s.archive == "azure":
            review = azure[s.key]
            text = plain(review["summary"])
            if s.start and len(s.start) > 10 and not any(c in text for c in _azure_clock(s.start)):
                # the review gave local time (EST, CST): the UTC conversion is checked by hand in CURATED
                note_tz = " (local time in the review, converted)"
            else:
                note_tz = ""
            start, end = s.start, s.end
            tracking = _tracking(review["title"])
            url = (
                f"https://azure.status.microsoft/en-us/status/history/?trackingId={tracking}"
                if tracking
                else AZURE_HISTORY
            )
            raw = raw_azure.get(s.key.replace("azure-", "").replace("azure", ""))
            note = f"{s.id}: {ARCHIVES['study'].repo}@{ARCHIVES['study'].commit[:12]} {s.key}{note_tz}"
            if raw:
                page = plain(git(study_repo, "show", f"{ARCHIVES['study'].commit}:{raw}").decode("utf-8", "replace"))
                if page:  # some printed pages are stored empty: no second copy then
                    same = text[:60] in page
                    note += f"; second copy {raw}: {'same text' if same else 'TEXT DIFFERS'}"
        elif s.archive == "google-study":
            review = google[s.key]
            url = review["link"][0]
            start, end = s.start, s.end
            if start is None:
                when = datetime.strptime(review["time"], "%m/%d/%Y").date().isoformat()
                start = when
            note = f"{s.id}: {ARCHIVES['study'].repo}@{ARCHIVES['study'].commit[:12]} {s.key}"
        else:
            raise ValueError(f"{s.id}: unknown archive {s.archive}")
        duration = ""
        if start and end and len(start) > 10 and len(end) > 10:
            a = datetime.fromisoformat(start.replace("Z", "+00:00"))
            b = datetime.fromisoformat(end.replace("Z", "+00:00"))
            duration = str(round((b - a).total_seconds() / 60))
        elif s.archive == "google-study":
            duration = str(google[s.key].get("duration") or "")
        if not (WINDOW[0] <= start[:10] and start <= WINDOW[1]):
            notes.append(f"{s.id}: outside the history window, left out")
            continue
        rows.append(
            {
                "id": s.id,
                "provider": s.provider,
                "product": s.product,
                "capability": s.capability,
                "start": start,
                "end": end or "",
                "duration_minutes": duration,
                "severity": s.severity,
                "scope": s.scope,
                "cause": s.cause,
                "summary": s.summary,
                "source_url": url,
                "confidence": "high",
                "regions": s.regions if s.regions is not None else "; ".join(regions_in(s.scope)),
                "affects": "",
            }
        )
        notes.append(note)
    return rows, notes


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gcp", type=Path, default=MIRRORS / "outages+gcp-outages" / "repo")
    parser.add_argument("--aws", type=Path, default=MIRRORS / "outages+aws-outages" / "repo")
    parser.add_argument("--study", type=Path, default=MIRRORS / "IntelligentDDS+Post-mortems-Analysis" / "repo")
    parser.add_argument("--write", action="store_true", help="add the missing rows to risk/data/history.csv")
    args = parser.parse_args(argv)
    rows, notes = convert(CURATED, args.gcp, args.aws, args.study)
    for note in notes:
        print(note, file=sys.stderr)
    text = as_csv(rows)
    if not args.write:
        sys.stdout.write(text)
        return 0
    sys.path.insert(0, str(ROOT / "tools"))
    from refresh_history import merge

    merged, added, kept = merge(HISTORY.read_text(encoding="utf-8"), text)
    HISTORY.write_text(merged, encoding="utf-8")
    print(f"{len(added)} added, {len(kept)} already in the history", file=sys.stderr)
    import runpy

    runpy.run_path(str(ROOT / "tools" / "sync_data.py"), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
