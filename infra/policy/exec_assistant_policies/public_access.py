"""Nothing public: no public bucket ACL, no ingress from the internet, no Lambda reachable but
through the API, no unauthenticated API route but the Slack webhook, the calendar consent's
two pages and the web page's, no plain HTTP at the edge."""

from __future__ import annotations

from collections.abc import Mapping

from exec_assistant_policies.model import ResourceRule
from exec_assistant_policies.props import Props, is_set, items, mapping, strings

_PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
_PUBLIC_GRANTEES = frozenset(
    {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }
)


def _bucket_acl_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    acl = props.get("acl")
    if acl in _PUBLIC_CANNED_ACLS:
        found.append(f"ACL {acl!r} opens the bucket beyond the account")
    grants = items(props.get("grants")) + items(
        mapping(props.get("accessControlPolicy")).get("grants")
    )
    for grant in map(mapping, grants):
        uri = grant.get("uri") or mapping(grant.get("grantee")).get("uri")
        if uri in _PUBLIC_GRANTEES:
            found.append(f"ACL grant to {uri} opens the bucket beyond the account")
    return found


PUBLIC_BUCKET_ACLS = ResourceRule(
    name="s3-no-public-acl",
    description=(
        "No bucket ACL grants everyone or every AWS account (public-read*, authenticated-read)."
    ),
    resource_types=frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketAcl:BucketAcl"}),
    check=_bucket_acl_violations,
)

_EVERYWHERE = frozenset({"0.0.0.0/0", "::/0"})


def _ingress_violations(resource_type: str, props: Props) -> list[str]:
    if resource_type == "aws:ec2/securityGroup:SecurityGroup":
        rules = [mapping(rule) for rule in items(props.get("ingress"))]
        sources = [
            cidr
            for rule in rules
            for cidr in strings(rule.get("cidrBlocks")) + strings(rule.get("ipv6CidrBlocks"))
        ]
    elif resource_type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if props.get("type") != "ingress":
            return []
        sources = strings(props.get("cidrBlocks")) + strings(props.get("ipv6CidrBlocks"))
    else:
        sources = strings(props.get("cidrIpv4")) + strings(props.get("cidrIpv6"))
    return [
        f"ingress from {cidr} admits the whole internet; name the security group or network"
        for cidr in sources
        if cidr in _EVERYWHERE
    ]


NO_INTERNET_INGRESS = ResourceRule(
    name="ec2-no-internet-ingress",
    description="No security group admits traffic from 0.0.0.0/0 or ::/0.",
    resource_types=frozenset(
        {
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        }
    ),
    check=_ingress_violations,
)


def _function_url_violations(resource_type: str, props: Props) -> list[str]:
    return [
        "a function URL bypasses the API's throttling and access logs; expose the function"
        " through the API Gateway route instead"
    ]


NO_FUNCTION_URLS = ResourceRule(
    name="lambda-no-function-url",
    description="Functions are reached through the API (throttled, logged), never a function URL.",
    resource_types=frozenset({"aws:lambda/functionUrl:FunctionUrl"}),
    check=_function_url_violations,
)


def _permission_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    principal = props.get("principal")
    if principal == "*":
        found.append("principal '*' lets anyone invoke the function")
    if props.get("functionUrlAuthType") == "NONE":
        found.append("function URL auth type NONE lets anyone invoke the function")
    action = props.get("action")
    if isinstance(action, str) and ("*" in action or "?" in action):
        found.append(f"action {action!r} is a wildcard; grant lambda:InvokeFunction")
    if isinstance(principal, str) and principal.endswith(".amazonaws.com"):
        if not is_set(props, "sourceArn"):
            found.append(
                f"{principal} may invoke on behalf of any account's resources without"
                " sourceArn; name the rule, bucket or API that calls"
            )
        if principal == "s3.amazonaws.com" and not is_set(props, "sourceAccount"):
            found.append("a bucket ARN has no account in it: set sourceAccount as well")
    return found


LAMBDA_PERMISSIONS = ResourceRule(
    name="lambda-permission-scoped",
    description=(
        "Lambda invoke permissions name their caller: never principal '*' or auth type NONE;"
        " a service principal comes with sourceArn (and sourceAccount for S3)."
    ),
    resource_types=frozenset({"aws:lambda/permission:Permission"}),
    check=_permission_violations,
)

PUBLIC_ROUTES: Mapping[str, str] = {
    "POST /slack/events": (
        "Slack cannot hold AWS credentials; every request it sends is signed (X-Slack-Signature,"
        " an HMAC-SHA256 of the timestamp and body with the app's signing secret) and the"
        " webhook answers 401 to a bad signature or a timestamp older than five minutes"
    ),
    # The executive's browser holds no AWS credentials either: these two are the OAuth
    # consent's redirect and redirect-back, which the provider's consent page must reach.
    "GET /oauth/calendar/start": (
        "a browser opens it with a connect link's ticket: 256 random bits an operator made by"
        " invoking the function with AWS credentials, valid an hour and spent by the first"
        " calendar connected with it; without a live ticket the route redirects nowhere and"
        " stores nothing"
    ),
    "GET /oauth/calendar/callback": (
        "it acts only on a state the start route made (256 random bits, valid 10 minutes,"
        " spent by the first callback that shows it) coming back with the cookie set on the"
        " same browser, and exchanges the code with PKCE's verifier, which never left the"
        " function; anything else gets a plain 400 page and stores nothing"
    ),
    # The web page: a browser again, and the pages are the function's, under any path (the
    # routes above are more specific, so API Gateway keeps them theirs). The app
    # authenticates each request itself.
    "GET /": (
        "the fortnight: served only with a session cookie signed with the web secret's key"
        " (HMAC-SHA256, expiring), issued by sign in with Slack to the configured executive"
        " and delegates; without one the answer is a 303 to the sign-in page, which shows"
        " nothing of the deployment"
    ),
    "GET /{proxy+}": (
        "every other page: the same signed session cookie, else a 303 to the sign-in; the"
        " sign-in's own pages (the Slack button, its redirect and callback) need none, and"
        " the callback starts a session only for a state this browser was given and an"
        " identity token Slack signed for an allowed member; a private meeting's pages"
        " answer 403 to a delegate"
    ),
    "POST /{proxy+}": (
        "every form: refused (403) without the signed session cookie, from another Origin"
        " than the site's, or without the CSRF token derived from the session (the cookie"
        " itself is HttpOnly and SameSite=Strict)"
    ),
    "HEAD /": "the fortnight's headers alone, answered as GET / is: no body, ever",
    "HEAD /{proxy+}": "every other page's headers alone, answered as its GET is: no body",
}
"""API routes allowed without an authorizer, each with what authenticates its callers instead."""


def _route_violations(resource_type: str, props: Props) -> list[str]:
    authorization = props.get("authorizationType") or "NONE"
    route = props.get("routeKey")
    if authorization != "NONE" or route in PUBLIC_ROUTES:
        return []
    return [
        f"route {route!r} has no authorizer; only {', '.join(sorted(PUBLIC_ROUTES))} may be"
        " unauthenticated (each checks its caller itself)"
    ]


API_ROUTES_AUTHENTICATED = ResourceRule(
    name="api-routes-authenticated",
    description=(
        "Every API route has an authorizer, except the allow-listed Slack webhook, which"
        " verifies Slack's request signature itself, the calendar consent's two pages,"
        " which act only on the single-use ticket and state the deployment made, and the web"
        " page's, which serves nothing without its signed session cookie."
    ),
    resource_types=frozenset({"aws:apigatewayv2/route:Route"}),
    check=_route_violations,
)

CURRENT_TLS_POLICIES = frozenset({"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})


def _distribution_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    behaviours = [("default cache behaviour", mapping(props.get("defaultCacheBehavior")))] + [
        (f"cache behaviour {mapping(b).get('pathPattern')!r}", mapping(b))
        for b in items(props.get("orderedCacheBehaviors"))
    ]
    for label, behaviour in behaviours:
        if behaviour.get("viewerProtocolPolicy") in (None, "allow-all"):
            found.append(f"{label} serves plain HTTP; use redirect-to-https or https-only")
    certificate = mapping(props.get("viewerCertificate"))
    own_certificate = is_set(certificate, "acmCertificateArn") or is_set(
        certificate, "iamCertificateId"
    )
    minimum = certificate.get("minimumProtocolVersion")
    if own_certificate and minimum not in CURRENT_TLS_POLICIES:
        found.append(f"minimum TLS policy {minimum!r}; use TLSv1.2_2021 or newer")
    for origin in items(props.get("origins")):
        custom = mapping(mapping(origin).get("customOriginConfig"))
        if not custom:
            continue
        name = mapping(origin).get("originId")
        if custom.get("originProtocolPolicy") != "https-only":
            found.append(f"origin {name!r} is reached over HTTP; use https-only")
        old = [p for p in strings(custom.get("originSslProtocols")) if p != "TLSv1.2"]
        if old:
            found.append(f"origin {name!r} accepts {', '.join(old)}; allow TLSv1.2 only")
    return found


CLOUDFRONT_TLS = ResourceRule(
    name="cloudfront-tls",
    description=(
        "CloudFront never serves plain HTTP, uses TLSv1.2_2021 or newer with its own certificate,"
        " and reaches custom origins over HTTPS with TLS 1.2."
    ),
    resource_types=frozenset({"aws:cloudfront/distribution:Distribution"}),
    check=_distribution_violations,
)
