"""Word pools for the synthetic nonprofit: people, places, links, reasons."""

from __future__ import annotations

ORGANIZATION = "Riverbend Community Food Bank"
ORG_DOMAIN = "riverbendfoodbank.org"
TIME_ZONE = "US/Mountain"

FIRST_NAMES = (
    "José", "Zoë", "François", "María", "Renée", "Chloé", "Søren", "Inés", "Noémie", "Zoé",
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley",
    "Steven", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Brian", "Carol",
    "Luis", "Ana", "Carlos", "Sofia", "Miguel", "Lucia", "Wei", "Mei", "Hiroshi", "Aiko", "Aaliyah",
    "Darnell", "Priya", "Arjun", "Olga", "Dmitri", "Fatima", "Omar", "Bjørn", "Ángel",
)

LAST_NAMES = (
    "García", "Müller", "O'Brien", "Nguyễn", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernández", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Chen", "Patel", "Kim", "Svensson", "Dubois", "Björk",
    "Delacroix", "St. James",
)

# Addresses by mailbox provider as a US nonprofit's list holds them (Gmail about 38%, Microsoft 15%, Yahoo and AOL
# 13%, Apple 13%, cable and phone companies, universities, workplaces): a domain repeated is drawn more often.
EMAIL_DOMAINS = (
    *("gmail.com",) * 15, *("yahoo.com",) * 4, "aol.com", "hotmail.com", "hotmail.com", "outlook.com",
    "outlook.com", "msn.com", "live.com", "icloud.com", "icloud.com", "icloud.com", "me.com", "mac.com",
    "comcast.net", "comcast.net", "att.net", "centurylink.net", "proton.me", "du.edu", "colorado.edu",
    "msudenver.edu", "uchealth.org",
)

CITIES = (
    ("Denver", "CO", "802"), ("Aurora", "CO", "800"), ("Lakewood", "CO", "802"), ("Boulder", "CO", "803"),
    ("Arvada", "CO", "800"), ("Westminster", "CO", "800"), ("Littleton", "CO", "801"),
    ("Golden", "CO", "804"), ("Englewood", "CO", "801"), ("Fort Collins", "CO", "805"),
)

STREETS = ("Colfax Ave", "Broadway", "Federal Blvd", "Pearl St", "Wadsworth Blvd", "Speer Blvd",
           "Alameda Ave", "Evans Ave", "Sheridan Blvd", "Kipling St")

JOB_TITLES = ("Teacher", "Nurse", "Engineer", "Retired", "Pastor", "Accountant", "Attorney", "Chef",
              "Student", "Realtor", "Software Developer", "Physician", "Social Worker", "Owner")

COMPANIES = ("King Soopers", "Denver Public Schools", "UCHealth", "Lockheed Martin", "Ball Corp.",
             "Xcel Energy", "St. John's Church", "Molson Coors", "Self-employed", "City of Aurora")

DEVICE_TYPES = ("computer", "mobile", "tablet", "other")

BOUNCE_CODES = ("B", "D", "F", "S", "V", "X", "Z")

OPT_OUT_REASONS = (
    "", "I no longer want to receive these emails", "The emails are too frequent",
    "The emails are not relevant to me", "I never signed up for this mailing list", "Other",
)

LINK_POOL = (
    f"https://www.{ORG_DOMAIN}/donate",
    f"https://www.{ORG_DOMAIN}/volunteer",
    f"https://www.{ORG_DOMAIN}/events",
    f"https://www.{ORG_DOMAIN}/news",
    f"https://www.{ORG_DOMAIN}/get-help",
    f"https://www.{ORG_DOMAIN}/monthly",
    "https://www.coloradogives.org/riverbend",
    "https://www.facebook.com/riverbendfoodbank",
)
