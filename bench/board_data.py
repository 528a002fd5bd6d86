"""The published postings the benchmarks fill the board with (`make bench`'s board runs
and bench/board_queries.py), from fixed lists and a fixed seed, so runs compare.

Import after django.setup().
"""

import random
from datetime import timedelta

from django.utils import timezone

from wizard.models import JobPosting, Status

ROLES = [
    "Python Developer",
    "Senior Django Engineer",
    "Backend Engineer",
    "Frontend Developer",
    "Data Engineer",
    "DevOps Engineer",
    "Site Reliability Engineer",
    "Product Designer",
    "Engineering Manager",
    "Machine Learning Engineer",
    "Go Developer",
    "Rust Engineer",
    "Full-stack Developer",
    "QA Engineer",
    "Technical Writer",
    "Data Analyst",
    "Security Engineer",
    "Mobile Developer (iOS)",
    "Android Developer",
    "Support Engineer",
]
LEVELS = ["", "Junior ", "Senior ", "Lead ", "Staff ", "Principal "]
COMPANIES = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Hooli",
    "Pied Piper",
    "Stark Industries",
    "Wayne Tech",
    "Soylent Systems",
    "Cyberdyne",
    "Tyrell Data",
    "Vandelay Imports",
    "Wonka Software",
    "Oceanic Cloud",
    "Black Mesa",
    "Aperture Science",
    "Massive Dynamic",
    "Gringotts Fintech",
    "Nakatomi Trading",
    "Monarch Health",
]
PLACES = [
    ("Berlin", "", "DE"),
    ("Munich", "Bavaria", "DE"),
    ("Hamburg", "", "DE"),
    ("London", "", "GB"),
    ("Manchester", "", "GB"),
    ("Paris", "", "FR"),
    ("Lyon", "", "FR"),
    ("Amsterdam", "", "NL"),
    ("Lisbon", "", "PT"),
    ("Madrid", "", "ES"),
    ("Barcelona", "Catalonia", "ES"),
    ("Vienna", "", "AT"),
    ("Zurich", "", "CH"),
    ("Stockholm", "", "SE"),
    ("Warsaw", "", "PL"),
    ("Austin", "TX", "US"),
    ("New York", "NY", "US"),
    ("San Francisco", "CA", "US"),
    ("Toronto", "ON", "CA"),
    ("Sydney", "NSW", "AU"),
]
APPLICANT_COUNTRIES = ["DE", "FR", "GB", "NL", "ES", "PT", "AT", "PL", "US", "CA"]
SKILLS = [
    "Python",
    "Django",
    "PostgreSQL",
    "Redis",
    "Kubernetes",
    "Terraform",
    "TypeScript",
    "React",
    "Go",
    "Rust",
    "AWS",
    "GCP",
    "Kafka",
    "Spark",
    "dbt",
    "Figma",
    "Swift",
    "Kotlin",
    "Linux",
    "CI/CD",
]
WORDS = (
    "we build reliable software for customers around the world and our team values "
    "clear writing careful reviews and steady delivery you will own services end to end "
    "from design to production work closely with product and design mentor colleagues "
    "improve our tooling and help us scale the platform as we grow the role offers "
    "flexible hours a learning budget good equipment and a calm place to do focused work "
    "our stack is modern but boring on purpose and we prefer simple solutions that last"
).split()


def description(rng):
    """A job description of 1 to 3 KB of Markdown: paragraphs, a heading, two lists."""
    target = rng.randint(1000, 3000)
    skills = rng.sample(SKILLS, 5)
    parts = []
    while sum(map(len, parts)) < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24)))
        parts.append(sentence.capitalize() + ".")
        if rng.random() < 0.3:
            parts.append(f"You know **{rng.choice(skills)}** well.")
    middle = len(parts) // 2
    return (
        " ".join(parts[:middle])
        + "\n\n## What you will do\n\n"
        + "\n".join(f"- Work with {skill}" for skill in skills[:3])
        + "\n\n"
        + " ".join(parts[middle:])
        + "\n\n## What we offer\n\n1. A fair salary\n2. Remote days\n3. Time to learn\n"
    )


def published_postings(count):
    """`count` unsaved published postings, newest first, one every few minutes (fixed
    seed): titles, companies, places and workplaces from the lists above, descriptions of
    1 to 3 KB of Markdown."""
    rng = random.Random(11)
    now = timezone.now()
    batch = []
    for n in range(count):
        city, region, country = rng.choice(PLACES)
        workplace = rng.choices(["on_site", "hybrid", "remote"], weights=[4, 3, 3])[0]
        role = rng.choice(LEVELS) + rng.choice(ROLES)
        company = rng.choice(COMPANIES)
        published_at = now - timedelta(minutes=n * 4 + rng.randint(0, 3))
        location = (
            {
                "city": "",
                "region": "",
                "country": "",
                "applicant_countries": rng.sample(APPLICANT_COUNTRIES, rng.randint(1, 4)),
            }
            if workplace == "remote"
            else {"city": city, "region": region, "country": country}
        )
        low = rng.randrange(40, 120) * 1000
        batch.append(
            JobPosting(
                status=Status.PUBLISHED,
                title=role,
                company_name=company,
                workplace=workplace,
                **location,
                employment_type=rng.choice(["full_time"] * 6 + ["part_time", "contract"]),
                salary_min=low,
                salary_max=low + rng.randrange(0, 40) * 1000,
                salary_currency=rng.choice(["eur", "usd", "gbp"]),
                description=description(rng),
                apply_url=f"https://jobs.example.com/{n}",
                contact_email=f"hiring{n}@example.com",
                step_data={"logo": {"skipped": True}},
                paid_at=published_at - timedelta(hours=2),
                confirmed_at=published_at - timedelta(hours=2),
                published_at=published_at,
                expires_at=published_at + timedelta(days=30),
                slug=f"bench-job-{n}",
            )
        )
    return batch
