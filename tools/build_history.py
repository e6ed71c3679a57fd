"""Rebuild the shipped history (risk/data/history.csv) from the researched outage list (maintainers only).

Usage: python tools/build_history.py ../shared/reference/outages.csv > risk/data/history.csv
       python tools/sync_data.py   # refresh the copy in catalogs/outages

The research file uses free-text service and component columns; this script maps every record to the
contract's canonical provider, product(s) and capability vocabulary, keeps dates, durations, severity,
scope, cause, source and confidence exactly as researched, and gives each record a summary written for
Lynchpin. A record may name several products or capabilities, separated by '; '.

The 104 records from the providers' archived status feeds are not in the research list: after a rebuild, run
`python tools/archive_history.py --write` to add them again.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from history_second_pass import SECOND_PASS  # noqa: E402

from risk.history.model import CSV_COLUMNS  # noqa: E402
from risk.regions import regions_in  # noqa: E402
from risk.untrusted import spreadsheet_cell  # noqa: E402

FIELDS = list(CSV_COLUMNS)

# What else an incident took down, where its source says so (id -> "Product: capability; ...").
AFFECTS: dict[str, str] = {
    # The IAM API itself returned errors ("100% error rate on internal Cloud IAM API requests").
    "google-20200408": "Cloud IAM: api",
    # Google's feed lists Identity and Access Management and Identity Platform among the products hit.
    "google-20250612": "Cloud IAM: api; Identity Platform: sign-in",
    # "Azure portal, Microsoft 365 and Entra endpoints behind it failed".
    "microsoft-20251029": "Entra ID: sign-in; Exchange Online: email; Microsoft Teams: messaging; "
    "SharePoint Online: collaboration",
    # "Azure and Microsoft 365 lost connectivity".
    "microsoft-20230125": "Exchange Online: email; Microsoft Teams: messaging; SharePoint Online: collaboration",
    # "signed users out of Outlook".
    "microsoft-20250301": "Exchange Online: email",
    # "Teams, Exchange Online and SharePoint failed".
    "microsoft-20240912": "Exchange Online: email; Microsoft Teams: messaging; SharePoint Online: collaboration",
    # "Microsoft 365, Azure, Dynamics and third-party apps using AAD" rejected tokens.
    "microsoft-20210315": "Exchange Online: email; Microsoft Teams: messaging; SharePoint Online: collaboration",
}

# The provider's own page, where the research cited a copy or an aggregator and the provider's archived feed
# (tools/archive_history.py) gives the same start and end to the minute.
PROVIDER_LINKS: dict[str, str] = {
    "google-20200408": "https://status.cloud.google.com/incident/zall/20005",
    "google-20220719": "https://status.cloud.google.com/incidents/fmEL9i2fArADKawkZAa2",
    "google-20250612": "https://status.cloud.google.com/incidents/ow5i3PPK96RduMcb1SsW",
}

# id -> (provider, product(s), capability(ies), summary)
MAP: dict[str, tuple[str, str, str, str]] = {
    "ping-20180405": (
        "Ping Identity",
        "PingOne",
        "admin",
        "Defects in deployment tooling sent North American admin-portal traffic to servers that did not exist.",
    ),
    "microsoft-20180406": (
        "Microsoft",
        "Entra ID",
        "sign-in",
        "A bad storage update misplaced directory objects in two scale units; sign-ins there failed.",
    ),
    "okta-20180424": (
        "Okta",
        "Okta Workforce Identity",
        "sign-in; api",
        "A mis-sequenced patching change left a cache cluster unable to fail over; US Cell 2 users saw errors.",
    ),
    "okta-20180606": (
        "Okta",
        "Okta Workforce Identity",
        "all",
        "A new operations script raised CPU on application servers in every cell; little customer impact.",
    ),
    "ping-20180723": (
        "Ping Identity",
        "PingID",
        "mfa",
        "A backup running alongside a repair job degraded the PingID database; MFA slowed, then failed.",
    ),
    "duo-20180820": (
        "Cisco",
        "Duo",
        "mfa",
        "A release on the DUO1 deployment caused a connection surge and MFA timeouts until it was reverted.",
    ),
    "microsoft-20180904": (
        "Microsoft",
        "Azure",
        "compute; storage",
        "Lightning-driven power and cooling failure in South Central US damaged hardware; dependent services, "
        "Azure AD among them, were disrupted.",
    ),
    "google-20181011": (
        "Google",
        "Google Cloud",
        "network-edge",
        "Part of one us-central1 zone lost its link to Google's backbone and the internet.",
    ),
    "github-20181021": (
        "GitHub",
        "GitHub",
        "all",
        "A short network partition caused a cross-site database failover and a day of degraded service.",
    ),
    "microsoft-20181119": (
        "Microsoft",
        "Entra ID",
        "mfa; password-reset",
        "A front-end code change added cache latency and a race condition; MFA (and self-service password "
        "reset) failed under peak load.",
    ),
    "microsoft-20181127": (
        "Microsoft",
        "Entra ID",
        "mfa",
        "After a DNS problem, MFA back ends stayed unhealthy and MFA sign-ins failed intermittently.",
    ),
    "duo-20190302": (
        "Cisco",
        "Duo",
        "mfa",
        "A database failure on DUO55 stopped authentications until failover to standby hardware.",
    ),
    "microsoft-20190502": (
        "Microsoft",
        "Azure DNS",
        "dns",
        "A misparameterised name-server delegation change broke a quarter of lookups for core Microsoft "
        "service domains, affecting Azure AD and Microsoft 365.",
    ),
    "google-20190602": (
        "Google",
        "Google Cloud; Google Workspace",
        "all",
        "A configuration change reached far more servers than intended and halved network capacity in US "
        "regions; G Suite and YouTube suffered too.",
    ),
    "microsoft-20190614": (
        "Microsoft",
        "Azure",
        "admin",
        "A decommissioning change wrongly took switches out of service; Azure resources in North Europe "
        "could not be created or changed.",
    ),
    "cloudflare-20190702": (
        "Cloudflare",
        "Cloudflare CDN",
        "network-edge",
        "A new WAF rule with a runaway regular expression maxed out edge CPUs worldwide; sites returned 502s.",
    ),
    "microsoft-20191018": (
        "Microsoft",
        "Entra ID",
        "mfa",
        "Packet loss on the route to Apple's push service stopped MFA challenges completing for some North "
        "American tenants.",
    ),
    "google-20200408": (
        "Google",
        "Google Cloud; Google Workspace",
        "api; email",
        "A rare configuration change in Google's global authorisation system made IAM checks fail; Gmail and "
        "cloud services that rely on it failed too.",
    ),
    "auth0-20200607": (
        "Okta",
        "Auth0",
        "sign-in",
        "A load surge and one customer's retry storm took the Auth0 Authentication API down in Australia.",
    ),
    "auth0-20200610": (
        "Okta",
        "Auth0",
        "api",
        "A routing release sent all extensibility traffic (Rules, Hooks) to an undersized older cluster.",
    ),
    "microsoft-20200928": (
        "Microsoft",
        "Entra ID",
        "sign-in",
        "A defect in safe deployment pushed an update to every ring at once; sign-ins failed worldwide, worst "
        "in the Americas.",
    ),
    "aws-20201125": (
        "Amazon Web Services",
        "Amazon Kinesis; Amazon Cognito",
        "api; sign-in",
        "Adding Kinesis capacity broke front-end servers in us-east-1; Cognito and other dependants failed.",
    ),
    "microsoft-20201214": (
        "Microsoft",
        "Entra ID",
        "sign-in",
        "Thread contention on one European back-end scale unit caused sign-in timeouts (AADSTS90033).",
    ),
    "google-20201214": (
        "Google",
        "Google Workspace",
        "sign-in",
        "Quota automation starved the central User ID Service; Google sign-in and OAuth failed globally.",
    ),
    "slack-20210104": (
        "Slack",
        "Slack",
        "messaging",
        "Packet loss in a cloud transit gateway during the post-holiday surge left Slack unusable for hours.",
    ),
    "microsoft-20210315": (
        "Microsoft",
        "Entra ID",
        "sign-in; token-issuance",
        "Key clean-up removed a signing key still in use; applications rejected tokens until caches "
        "recovered the next morning.",
    ),
    "microsoft-20210401": (
        "Microsoft",
        "Azure DNS",
        "dns",
        "A surge of DNS queries exposed a caching defect; retries overloaded Azure DNS and dependent "
        "services, Microsoft 365 among them.",
    ),
    "salesforce-20210427": (
        "Salesforce",
        "Salesforce",
        "mfa",
        "Traffic from one cloud endpoint overwhelmed Salesforce MFA; MFA users could not log in.",
    ),
    "salesforce-20210511": (
        "Salesforce",
        "Salesforce",
        "dns; sign-in",
        "A DNS change pushed everywhere at once broke name resolution and logins across Salesforce.",
    ),
    "fastly-20210608": (
        "Fastly",
        "Fastly CDN",
        "network-edge",
        "A customer's valid configuration triggered a latent bug; most of Fastly's edge returned errors.",
    ),
    "akamai-20210722": (
        "Akamai",
        "Akamai Edge DNS",
        "dns",
        "A malformed configuration made Akamai's authoritative DNS fail for many sites; rolled back within "
        "about an hour.",
    ),
    "aws-20210831": (
        "Amazon Web Services",
        "Amazon VPC",
        "network-edge",
        "Load balancer, NAT and PrivateLink connectivity failed in one us-west-2 availability zone.",
    ),
    "meta-20211004": (
        "Meta",
        "Facebook",
        "all",
        "A maintenance command disconnected Meta's backbone; its DNS disappeared and every app went dark.",
    ),
    "google-20211116": (
        "Google",
        "Google Cloud",
        "network-edge",
        "A race in configuration propagation made Google's external load balancers serve 404s.",
    ),
    "aws-20211207": (
        "Amazon Web Services",
        "Amazon EC2; AWS STS; Amazon API Gateway",
        "admin; token-issuance; api",
        "Automated scaling congested AWS's internal network in us-east-1; control planes, STS and the console "
        "were impaired.",
    ),
    "aws-20211222": (
        "Amazon Web Services",
        "Amazon EC2; Amazon EBS",
        "compute; storage",
        "Power loss in one us-east-1 availability zone took instances and volumes down for hours.",
    ),
    "okta-20220116": (
        "Okta",
        "Okta Support",
        "other",
        "Attackers reached a contracted support engineer's workstation for five days (security incident).",
    ),
    "slack-20220222": (
        "Slack",
        "Slack",
        "messaging",
        "A rolling agent upgrade emptied caches; database overload stopped many clients connecting.",
    ),
    "microsoft-20220316": (
        "Microsoft",
        "Azure AD B2C",
        "sign-in",
        "Load and a resource-leak bug exhausted capacity for B2C sign-ins in North Europe.",
    ),
    "cloudflare-20220621": (
        "Cloudflare",
        "Cloudflare CDN",
        "network-edge",
        "A routing-policy change withdrew Cloudflare's prefixes from 19 large data centres.",
    ),
    "auth0-20220621": (
        "Okta",
        "Auth0",
        "sign-in",
        "Auth0 sign-ins failed or timed out while its Cloudflare edge was down.",
    ),
    "aws-20220728": (
        "Amazon Web Services",
        "Amazon EC2",
        "compute",
        "A power failure in one us-east-2 zone stopped instances; hosted services such as Okta were hit.",
    ),
    "microsoft-20220729": (
        "Microsoft",
        "Azure",
        "network-edge",
        "Network drops and latency reached Azure resources in several regions.",
    ),
    "microsoft-20220812": (
        "Microsoft",
        "Azure Communication Services",
        "api",
        "Failing database calls broke authentication to Communication Services APIs.",
    ),
    "cloudflare-20230124": (
        "Cloudflare",
        "Cloudflare Access",
        "token-issuance",
        "A release overwrote service-token secrets, breaking token authentication for dependent services.",
    ),
    "microsoft-20230125": (
        "Microsoft",
        "Microsoft Global Network",
        "all",
        "A router command during planned WAN work made every router recompute routes; Azure and Microsoft "
        "365 lost connectivity.",
    ),
    "microsoft-20230323": (
        "Microsoft",
        "Entra ID",
        "conditional-access",
        "A geolocation update placed UK users abroad; NHSmail Conditional Access demanded unexpected MFA.",
    ),
    "duo-20230503": (
        "Cisco",
        "Duo",
        "mfa",
        "A back-end update blocked authentications that needed the Device Health app until rolled back.",
    ),
    "aws-20230613": (
        "Amazon Web Services",
        "AWS Lambda; AWS STS",
        "compute; token-issuance",
        "Lambda crossed an untested capacity threshold in us-east-1; invocations and STS tokens failed.",
    ),
    "jumpcloud-20230620": (
        "JumpCloud",
        "JumpCloud",
        "admin",
        "A state actor phished an engineer and tampered with commands; every admin API key was rotated "
        "(security incident).",
    ),
    "salesforce-20230920": (
        "Salesforce",
        "Salesforce",
        "sign-in",
        "A permissions policy change deployed outside the pipeline blocked logins and inter-service calls.",
    ),
    "google-20230922": (
        "Google",
        "Google Cloud",
        "network-edge",
        "A race in load balancer configuration overwrote some customers' configs with empty ones.",
    ),
    "okta-20230928": (
        "Okta",
        "Okta Support",
        "other",
        "An attacker used a stolen service credential to read support files holding session tokens "
        "(security incident).",
    ),
    "cloudflare-20231102": (
        "Cloudflare",
        "Cloudflare Dashboard",
        "admin",
        "Power failures at an Oregon data centre took Cloudflare's control plane and analytics offline.",
    ),
    "duo-20231204": (
        "Cisco",
        "Duo",
        "admin",
        "Some administrators could not reach the Duo admin panel through certain internet providers.",
    ),
    "microsoft-20240126": (
        "Microsoft",
        "Microsoft Teams",
        "messaging",
        "A networking problem took part of Teams down; Microsoft failed over to backup infrastructure.",
    ),
    "duo-20240327": (
        "Cisco",
        "Duo",
        "mfa",
        "A device-trust bug blocked authentications from managed Windows devices as 'personal'.",
    ),
    "duo-20240513": (
        "Cisco",
        "Duo",
        "mfa",
        "A configuration change overloaded an internal API in the authentication path on US2.",
    ),
    "microsoft-20240718": (
        "Microsoft",
        "Azure",
        "storage; compute",
        "A cluster-management change cut storage off from compute in Central US; dependent services, "
        "Microsoft 365 among them, failed.",
    ),
    "crowdstrike-20240719": (
        "CrowdStrike",
        "CrowdStrike Falcon",
        "endpoint",
        "A faulty content update crashed Windows hosts worldwide; recovery of machines took days.",
    ),
    "duo-20240725": (
        "Cisco",
        "Duo",
        "mfa",
        "A brief drop in database throughput caused failed authentications for a few customers.",
    ),
    "microsoft-20240730": (
        "Microsoft",
        "Azure Front Door",
        "network-edge",
        "A DDoS attack, amplified by an error in the defences, disrupted Front Door and services behind it.",
    ),
    "google-20240730": (
        "Google",
        "Google Workspace",
        "email",
        "Maintenance cut fibre between US and European data centres; Gmail was delayed and erroring.",
    ),
    "aws-20240730": (
        "Amazon Web Services",
        "Amazon Kinesis; Amazon CloudWatch",
        "api",
        "An internal Kinesis cell degraded; AWS services that buffer through it had errors and latency.",
    ),
    "google-20240812": (
        "Google",
        "Google Workspace; Google Cloud",
        "network-edge",
        "A switchgear failure cut power to a London point of presence; europe-west2 connections failed.",
    ),
    "okta-20240923": (
        "Okta",
        "Okta Workforce Identity",
        "federation",
        "Federating new Microsoft 365 domains through Okta failed with '400 Bad Request' errors.",
    ),
    "microsoft-20240927": (
        "Microsoft",
        "Azure Resource Manager",
        "admin",
        "A misconfigured database setting blocked Azure Resource Manager in every US Government region.",
    ),
    "microsoft-20241113": (
        "Microsoft",
        "Azure Storage",
        "storage",
        "Some Blob and Data Lake accounts stopped resolving in DNS; dependent services failed.",
    ),
    "microsoft-20241125": (
        "Microsoft",
        "Exchange Online; Microsoft Teams",
        "email; collaboration",
        "A change broke mailbox and calendar access; Microsoft reverted it and restarted machines.",
    ),
    "microsoft-20250108": (
        "Microsoft",
        "Azure",
        "compute",
        "A networking configuration change in one East US 2 zone caused timeouts and allocation failures.",
    ),
    "microsoft-20250113": (
        "Microsoft",
        "Entra ID",
        "mfa; mfa-registration",
        "Users could not complete MFA for Microsoft 365 apps, mainly in Europe; start and length disputed "
        "(about 4 hours reported).",
    ),
    "microsoft-20250122": (
        "Microsoft",
        "Entra ID",
        "sign-in",
        "Stale routing data after a configuration change made single sign-on to Microsoft 365 apps fail.",
    ),
    "nhsmail-20250218": (
        "NHS England",
        "NHSmail",
        "mfa",
        "Renewing the ADFS MFA adapter's service principal broke MFA for NHSmail portal, webmail and Teams.",
    ),
    "microsoft-20250301": (
        "Microsoft",
        "Entra ID",
        "token-issuance",
        "A code issue in Microsoft 365 authentication signed users out of Outlook until reverted.",
    ),
    "zoom-20250416": (
        "Zoom",
        "Zoom",
        "collaboration",
        "A registrar-registry miscommunication put a block on zoom.us, removing it from DNS.",
    ),
    "google-20250612": (
        "Google",
        "Google Cloud; Google Workspace",
        "api",
        "A blank policy field crashed Service Control everywhere; Google Cloud and Workspace APIs returned 503s.",
    ),
    "cloudflare-20250612": (
        "Cloudflare",
        "Cloudflare Access; Cloudflare Dashboard",
        "sign-in; admin",
        "Workers KV storage failed with a third-party cloud outage; Access logins and WARP registration broke.",
    ),
    "microsoft-20250613": (
        "Microsoft",
        "Entra ID",
        "mfa-registration; password-reset",
        "After a change to MFA infrastructure, users could not register or reset MFA methods and admins "
        "could not add them.",
    ),
    "cloudflare-20250714": (
        "Cloudflare",
        "Cloudflare DNS",
        "dns",
        "A dormant misconfiguration withdrew the 1.1.1.1 resolver prefixes worldwide.",
    ),
    "aws-20251020": (
        "Amazon Web Services",
        "Amazon DynamoDB; Amazon EC2; AWS STS; AWS IAM",
        "all",
        "A race in DynamoDB's DNS automation emptied its us-east-1 endpoint record; EC2, load balancers, STS "
        "and IAM followed.",
    ),
    "microsoft-20251029": (
        "Microsoft",
        "Azure Front Door",
        "network-edge",
        "A configuration change left many Front Door nodes invalid; Azure portal, Microsoft 365 and Entra "
        "endpoints behind it failed.",
    ),
    "cloudflare-20251118": (
        "Cloudflare",
        "Cloudflare CDN; Cloudflare Access",
        "network-edge; sign-in",
        "An oversized bot-management file crashed the core proxy network-wide; Access logins failed.",
    ),
    "cloudflare-20251205": (
        "Cloudflare",
        "Cloudflare CDN",
        "network-edge",
        "A WAF change hit a latent bug in the older proxy; about a quarter of HTTP traffic got 500s.",
    ),
    "microsoft-20260202": (
        "Microsoft",
        "Azure",
        "compute",
        "A storage policy workflow blocked VM extension downloads; provisioning and scaling failed.",
    ),
    "microsoft-20260203": (
        "Microsoft",
        "Azure",
        "token-issuance",
        "A backlog after the previous incident overloaded managed identities; token requests failed.",
    ),
    "microsoft-20260223": (
        "Microsoft",
        "Entra ID",
        "mfa",
        "North American users got 504 errors completing MFA for Microsoft 365; no end time published.",
    ),
    "microsoft-20260601": (
        "Microsoft",
        "Entra ID",
        "mfa-registration",
        "Failover after a cache change overloaded My Sign-Ins; users could not set up MFA methods.",
    ),
}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mapping = {**MAP, **SECOND_PASS}
    missing = [r["id"] for r in rows if r["id"] not in mapping]
    if missing:
        sys.exit(f"no mapping for: {', '.join(missing)}")
    out = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    out.writeheader()
    for r in rows:
        provider, product, capability, summary = mapping[r["id"]]
        row = {
            "id": r["id"],
            "provider": provider,
            "product": product,
            "capability": capability,
            "start": r["start_utc"],
            "end": r["end_utc"],
            "duration_minutes": r["duration_minutes"],
            "severity": r["severity"],
            "scope": r["regions_scope"],
            "cause": r["cause_category"],
            "summary": summary,
            "source_url": PROVIDER_LINKS.get(r["id"], r["source_url"]),
            "confidence": r["confidence"],
            "regions": "; ".join(regions_in(r["regions_scope"])),
            "affects": AFFECTS.get(r["id"], ""),
        }
        out.writerow({k: spreadsheet_cell(v) for k, v in row.items()})  # formula-like text quoted


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/outages.csv")
