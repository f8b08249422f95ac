"""A mailbox provider: who receives the mail for an address, told from the part after the @.

Gmail (gmail.com, googlemail.com); Yahoo/AOL (Yahoo's domains, ymail.com, rocketmail.com, aol.com, aim.com: one
company, one filter); Microsoft (outlook, hotmail, live, msn, passport, windowslive); Apple (icloud.com, me.com,
mac.com); the organisation's own domain (its website's and its account email's, unless that is a public provider);
Other for everything else.

What cannot be told from the address: a company or school domain hosted by Google Workspace or Microsoft 365 (only
its DNS MX record says so, and the dashboard makes no network calls) counts under Other, as does the organisation's
own domain's host.

One SQL expression, used for every figure (the per-email report and deliverability by month).
"""

from __future__ import annotations

GMAIL, YAHOO, MICROSOFT, APPLE, OWN, OTHER = "Gmail", "Yahoo/AOL", "Microsoft", "Apple", "Own domain", "Other"
PROVIDERS = (GMAIL, YAHOO, MICROSOFT, APPLE, OWN, OTHER)
PROVIDER_HELP = {
    GMAIL: "gmail.com, googlemail.com (Google Workspace domains cannot be told from the address: they are in Other)",
    YAHOO: "yahoo.*, ymail.com, rocketmail.com, aol.*, aim.com",
    MICROSOFT: "outlook.*, hotmail.*, live.*, msn.com, passport.com, windowslive.com",
    APPLE: "icloud.com, me.com, mac.com",
    OWN: "the organisation's own domain (its website's and account email's)",
    OTHER: "every other domain: internet providers, schools, workplaces (Workspace and Microsoft 365 ones too)",
}

# Regular expressions over the lower-cased domain, first match wins.
_PATTERNS = (
    (GMAIL, r"^(gmail|googlemail)\.com$"),
    (YAHOO, r"^(yahoo\.[a-z.]+|ymail\.com|rocketmail\.com|aol\.[a-z.]+|aim\.com)$"),
    (MICROSOFT, r"^(outlook|hotmail|live)\.[a-z.]+$|^(msn|passport|windowslive)\.com$"),
    (APPLE, r"^(icloud|me|mac)\.com$"),
)
PUBLIC_PATTERN = "|".join(p for _, p in _PATTERNS)


def own_domains_sql() -> str:
    """SQL: the organisation's own domains, from the account row (website host without www., account email's
    domain), leaving out a public provider's (an account email at gmail.com does not make Gmail "own")."""
    return f"""SELECT DISTINCT d FROM (
        SELECT lower(regexp_extract(website, '^(?:[a-z]+://)?(?:www\\.)?([^/:?#]+)', 1)) AS d FROM account
        UNION ALL SELECT lower(split_part(contact_email, '@', 2)) FROM account)
        WHERE d IS NOT NULL AND d <> '' AND NOT regexp_matches(d, '{PUBLIC_PATTERN}')"""


def domain_sql(email: str) -> str:
    """SQL: the lower-cased domain of the address column `email` (spaces trimmed)."""
    return f"lower(trim(split_part(trim({email}), '@', 2)))"


def provider_sql(email: str) -> str:
    """SQL: the provider of the address column `email` (one of PROVIDERS; Other without an address)."""
    domain = domain_sql(email)
    cases = " ".join(f"WHEN regexp_matches({domain}, '{pattern}') THEN '{name}'" for name, pattern in _PATTERNS)
    return (f"CASE {cases} WHEN {domain} IN ({own_domains_sql()}) THEN '{OWN}' ELSE '{OTHER}' END")
