"""A link, as the pages count it: its address without tracking tags.

utm_* parameters, Google's, Microsoft's and Facebook's click ids, Mailchimp's and Constant Contact's own tags name
the campaign or the click, not the page: the same donate page linked from five appeals with five utm_campaign tags
is one link. Other query parameters stay (they may choose the page); a "?" or "&" left dangling goes too.

One SQL expression over a `link_url` column, used by the per-email report and by Campaign trends' top links.
"""

from __future__ import annotations

TRACKING_TAGS = r"(utm_[a-z_]+|gclid|fbclid|msclkid|mc_cid|mc_eid|_ga|ctct_[a-z_]+)=[^&#]*"
LINK_SQL = (f"regexp_replace(regexp_replace(regexp_replace(coalesce(link_url, '(unknown link)'), "
            f"'([?&]){TRACKING_TAGS}', '\\1', 'gi'), '([?&])&+', '\\1', 'g'), '[?&]+(#|$)', '\\1')")
