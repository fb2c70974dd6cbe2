"""Demo data for `command-center serve` on an empty database (CC_DEMO=true, the default).

Everything goes through the domain layer (drafts, scheduling, the state machine), with the clock set
back so the history looks lived-in: events, status dates and folder counters all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from command_center.demo_campaigns import seed_campaign
from command_center.demo_tasks import seed_tasks
from config.settings import get_settings
from models.base import clock
from models.campaigns.tables import Campaign
from models.emails import transitions
from models.emails.commands import DraftFields, archive_email, create_draft, schedule_email
from models.emails.state_machine import Action
from models.emails.tables import Email, EmailStatus
from models.engagement import recorders as engagement
from models.people.commands import PersonFields, create_person
from models.people.tables import Person
from models.teams import auth
from models.teams.tables import Role, User

TEAM_NAME = "Demo Sales"
ADMIN_EMAIL = "admin@demo.example"

S = EmailStatus

# first|last|email|company|title|industry|city
PEOPLE = [
    line.split("|")
    for line in """
Maya|Okafor|maya.okafor@northwind.example|Northwind Logistics|VP Operations|Logistics|Chicago
Lukas|Brandt|l.brandt@helios-energy.example|Helios Energy|Head of Procurement|Energy|Hamburg
Priya|Raman|priya@brightpath.example|BrightPath Learning|CTO|Education|Austin
Tom|Whitaker|tom.whitaker@acmefoods.example|Acme Foods|Director of IT|Food & Beverage|Denver
Sofia|Marquez|smarquez@lumen-health.example|Lumen Health|COO|Healthcare|Miami
Kenji|Watanabe|kenji.w@orbitalsys.example|Orbital Systems|Engineering Manager|Aerospace|Seattle
Aisha|Bello|aisha.bello@greenleaf.example|Greenleaf Retail|Head of E-commerce|Retail|Atlanta
Daniel|Novak|dnovak@finstack.example|FinStack|VP Finance|Financial Services|New York
Chloé|Durand|chloe.durand@atelier-nord.example|Atelier Nord|Marketing Director|Manufacturing|Lyon
Marcus|Reid|marcus.reid@peakfit.example|PeakFit Gyms|Founder & CEO|Fitness|San Diego
Elena|Petrova|elena.p@cloudharbor.example|CloudHarbor|Head of Security|Software|Boston
Omar|Haddad|omar@sandline.example|Sandline Construction|Project Director|Construction|Phoenix
""".strip().splitlines()
]
# City -> (country, region): their time zone is derived from it (models/people/regions.py).
PLACES = {
    "Chicago": ("US", "IL"),
    "Hamburg": ("DE", ""),
    "Austin": ("US", "TX"),
    "Denver": ("US", "CO"),
    "Miami": ("US", "FL"),
    "Seattle": ("US", "WA"),
    "Atlanta": ("US", "GA"),
    "New York": ("US", "NY"),
    "Lyon": ("FR", ""),
    "San Diego": ("US", "CA"),
    "Boston": ("US", "MA"),
    "Phoenix": ("US", "AZ"),
}
UNSUBSCRIBED = {"omar@sandline.example"}  # FAILED: RECIPIENT_UNSUBSCRIBED

# Subjects and short bodies; "{first}" and "{company}" are filled in for each prospect.
MESSAGES = [
    (
        "Quick question about Q4 plans at {company}",
        "I noticed {company} is expanding this quarter. Teams like yours use us to cut "
        "the time spent on manual follow-ups by a third. Worth a 15-minute call next week?",
    ),
    (
        "Following up on our chat",
        "Thanks again for your time on Tuesday. As promised, here is the one-pager on "
        "pricing and the customer story we discussed. Happy to walk your team through it.",
    ),
    (
        "Idea for {company}",
        "Saw your post about scaling the team. We helped a company of similar size ramp "
        "new reps in half the time; I'd love to share how.",
    ),
    (
        "Re: pilot proposal",
        "Attached is the revised pilot scope: 30 days, 5 seats, success criteria agreed up "
        "front. Let me know if legal needs anything else from us.",
    ),
    (
        "Invitation: operations leaders roundtable",
        "We're hosting a small roundtable with operations leaders in your area next month. "
        "Would you like to join? Lunch is on us.",
    ),
    (
        "{first}, 3 takeaways from the benchmark report",
        "Our annual benchmark is out. Three numbers stood out for companies like {company}; "
        "I've summarised them below, two minutes of reading.",
    ),
    (
        "Checking in",
        "Just checking whether this is still a priority for you this quarter. If the timing "
        "is off, tell me and I'll follow up in the new year.",
    ),
    (
        "Case study: how a peer cut onboarding time by 40%",
        "Thought this might be relevant for {company}: a short case study from a team "
        "facing the same challenges you mentioned.",
    ),
    (
        "Next steps after the demo",
        "Great to see your team engaged in the demo. Proposed next steps: technical "
        "deep-dive, security review, then a pilot. Does Thursday work for the first one?",
    ),
    (
        "Can I send you our ROI calculator?",
        "Many {company}-sized teams ask us to quantify the impact before a pilot. Our ROI "
        "calculator takes five minutes; shall I send it over?",
    ),
]

# Failure codes as the sender and inbound processing report them.
CONNECTION = (
    "SMTP_CONNECTION_FAILED",
    "Could not reach the SMTP relay after 3 attempts: timed out",
)
MERGE_FIELD = ("UNRESOLVED_MERGE_FIELD", "Merge field {{person.custom.decision_date}} has no value")
UNSUBSCRIBED_RECIPIENT = ("RECIPIENT_UNSUBSCRIBED", "The recipient unsubscribed; nothing was sent")
MAILBOX_UNAVAILABLE = ("SMTP_REJECTED", "550 5.1.1 mailbox unavailable")
POLICY_REJECTED = ("SMTP_REJECTED", "550 5.7.1 message rejected by policy")
MAILBOX_FULL = ("BOUNCE_REPORT", "DSN: 5.2.2 mailbox full")
BAD_DOMAIN = ("BOUNCE_REPORT", "DSN: 5.1.2 bad destination system address")
COMPLAINT = ("SPAM_COMPLAINT", "Feedback loop report (RFC 5965) from the recipient's provider")


@dataclass(frozen=True)
class Plan:
    owner: int  # index into the users: 0 the admin, 1 and 2 the reps
    status: EmailStatus
    days_ago: float  # when it was written (sent 30 minutes later); negative: scheduled ahead
    campaign: bool = False
    failure: tuple[str, str] | None = None  # failure_code, failure_detail
    late: bool = False  # bounced or reported after delivery, rather than refused at send time
    views: int = 0
    clicks: int = 0
    replied: bool = False


# 40 emails over every status; the reps carry most of them.
PLANS = [
    Plan(1, S.DRAFT, 0.2),
    Plan(2, S.DRAFT, 0.5),
    Plan(1, S.DRAFT, 1.5),
    Plan(0, S.DRAFT, 2),
    Plan(2, S.DRAFT, 3),
    Plan(1, S.SCHEDULED, -0.1, campaign=True),
    Plan(2, S.SCHEDULED, -0.5, campaign=True),
    Plan(1, S.SCHEDULED, -1),
    Plan(2, S.SCHEDULED, -2),
    Plan(0, S.SCHEDULED, -3),
    Plan(1, S.SCHEDULED, -6, campaign=True),
    Plan(1, S.IN_PROGRESS, 0, campaign=True),
    Plan(2, S.IN_PROGRESS, 0),
    Plan(1, S.DELIVERED, 0.3, views=1),
    Plan(2, S.DELIVERED, 0.8, campaign=True),
    Plan(1, S.DELIVERED, 1, views=3, clicks=1),
    Plan(2, S.DELIVERED, 1.2, views=2, replied=True),
    Plan(0, S.DELIVERED, 2, views=1),
    Plan(1, S.DELIVERED, 2.5, campaign=True, views=5, clicks=2),
    Plan(2, S.DELIVERED, 3, campaign=True),
    Plan(1, S.DELIVERED, 4, views=4, clicks=2, replied=True),
    Plan(2, S.DELIVERED, 5, views=1),
    Plan(0, S.DELIVERED, 6, campaign=True, views=2, clicks=1),
    Plan(1, S.DELIVERED, 7),
    Plan(2, S.DELIVERED, 8, campaign=True, views=6, clicks=3),
    Plan(1, S.DELIVERED, 10, views=2, replied=True),
    Plan(2, S.DELIVERED, 12, views=1),
    Plan(1, S.ARCHIVED, 9, views=3, replied=True),
    Plan(2, S.ARCHIVED, 11, views=1),
    Plan(0, S.ARCHIVED, 13, campaign=True, views=2, clicks=1),
    Plan(1, S.ARCHIVED, 14),
    Plan(1, S.FAILED, 0.7, failure=CONNECTION),
    Plan(2, S.FAILED, 2, campaign=True, failure=MERGE_FIELD),
    Plan(1, S.FAILED, 4, failure=UNSUBSCRIBED_RECIPIENT),
    Plan(2, S.BOUNCED, 1, failure=MAILBOX_UNAVAILABLE),
    Plan(1, S.BOUNCED, 3, campaign=True, failure=POLICY_REJECTED),
    Plan(2, S.BOUNCED, 5, late=True, failure=MAILBOX_FULL),
    Plan(0, S.BOUNCED, 9, late=True, failure=BAD_DOMAIN),
    Plan(1, S.SPAM, 6, late=True, views=1, failure=COMPLAINT),
    Plan(2, S.SPAM, 10, campaign=True, late=True, failure=COMPLAINT),
]


DEMO_READER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)
DEMO_LINKS = ("https://demo.example/pricing", "https://demo.example/case-study")


async def seed_demo() -> tuple[User, str]:
    """Create the demo team and its history; returns the admin and a fresh API token."""
    now = clock.now().replace(microsecond=0)
    team = await auth.get_or_create_team(TEAM_NAME)
    admin = await auth.create_user(team, ADMIN_EMAIL, name="Alex Morgan", role=Role.ADMIN)
    reps = [
        await auth.create_user(team, "jordan@demo.example", name="Jordan Lee"),
        await auth.create_user(team, "sam@demo.example", name="Sam Rivera"),
    ]
    users = [admin, *reps]
    people = await _seed_people(users)
    campaign = await Campaign.create(team_id=team.id, owner_id=reps[0].id, name="Q4 Outbound")
    reachable = [p for p in people if not p.unsubscribed]
    gone = [p for p in people if p.unsubscribed]
    for number, plan in enumerate(PLANS):
        if plan.failure is UNSUBSCRIBED_RECIPIENT:
            person = gone[0]
        else:
            person = reachable[number % len(reachable)]
        await _seed_email(
            users[plan.owner], person, campaign if plan.campaign else None, plan, number, now
        )
    await seed_tasks(admin, reps[0], reachable, now)
    await seed_campaign(reps[0], reachable, now)
    token = await auth.issue_token(admin, label="demo")
    return admin, token


async def _seed_people(users: list[User]) -> list[Person]:
    people = []
    for number, (first, last, address, company, title, industry, city) in enumerate(PEOPLE):
        owner = users[1 + number % 2]
        people.append(
            await create_person(
                owner,
                PersonFields(
                    email=address,
                    first_name=first,
                    last_name=last,
                    company=company,
                    title=title,
                    custom_fields={"industry": industry, "city": city},
                    unsubscribed=address in UNSUBSCRIBED,
                    country=PLACES[city][0],
                    region=PLACES[city][1],
                ),
            )
        )
    return people


async def _seed_email(
    owner: User,
    person: Person,
    campaign: Campaign | None,
    plan: Plan,
    number: int,
    now: datetime,
) -> None:
    """Write the email at its time in the past and walk it to its status, step by step."""
    subject, body = MESSAGES[number % len(MESSAGES)]
    values = {"first": person.first_name, "company": person.company}
    text = f"Hi {person.first_name},\n\n{body.format(**values)}\n\nBest,\n{owner.name}"
    html = "".join(f"<p>{escape(part)}</p>" for part in text.split("\n\n")).replace("\n", "<br>")
    fields = DraftFields(
        person_id=person.id,
        campaign_id=campaign.id if campaign else None,
        subject=subject.format(**values),
        body_html=html,
        body_text=text,
    )
    if plan.days_ago < 0:  # scheduled ahead, written a few hours ago
        written = now - timedelta(hours=3 + number % 5)
        send_at = now + timedelta(days=-plan.days_ago)
    elif plan.status is S.IN_PROGRESS:  # being handed to SMTP right now
        written = now - timedelta(hours=1)
        send_at = now - timedelta(seconds=20)
    else:
        written = now - timedelta(days=plan.days_ago, hours=1)
        send_at = written + timedelta(minutes=30)
    with clock.frozen(written):
        email = await create_draft(owner, fields)
    if plan.status is S.DRAFT:
        return
    with clock.frozen(written + timedelta(minutes=1)):
        email = await schedule_email(owner, email.id, send_at, None)
    if plan.status is S.SCHEDULED:
        return
    lease = timedelta(seconds=get_settings().send_lease)  # every IN_PROGRESS email has one
    with clock.frozen(send_at):
        email = await _system(
            email, Action.CLAIM, {"sent_at": send_at, "lease_expires_at": send_at + lease}
        )
    if plan.status is S.IN_PROGRESS:
        return
    sent = send_at + timedelta(seconds=2)
    if plan.failure and not plan.late:  # refused at send time: never delivered
        code, detail = plan.failure
        action = Action.MARK_FAILED if plan.status is S.FAILED else Action.MARK_BOUNCED
        changes = {"failed_at": sent, "failure_code": code, "failure_detail": detail}
        with clock.frozen(sent):
            await _system(email, action, changes)
        return
    delivered = sent + timedelta(seconds=1)
    with clock.frozen(delivered):
        email = await _system(
            email, Action.MARK_DELIVERED, {"sent_at": sent, "delivered_at": delivered}
        )
    await _engage(email, plan, delivered)
    later = delivered + timedelta(days=1, hours=number % 12)  # after the engagement above
    if plan.status is S.ARCHIVED:
        with clock.frozen(later):
            await archive_email(owner, email.id, None)
    elif plan.failure:  # late bounce report or spam complaint
        code, detail = plan.failure
        action = Action.MARK_SPAM if plan.status is S.SPAM else Action.MARK_BOUNCED
        changes = {"failed_at": later, "failure_code": code, "failure_detail": detail}
        with clock.frozen(later):
            await _system(email, action, changes)


async def _system(email: Email, action: Action, changes: dict[str, Any] | None = None) -> Email:
    """A transition only the system takes (dispatcher, sender, inbound processing)."""
    moved = await transitions.apply(email, action, None, changes=changes)
    assert moved is not None
    return moved


async def _engage(email: Email, plan: Plan, delivered: datetime) -> None:
    """Views, clicks and replies, recorded as they happen (events, counters, first view), after a
    privacy proxy's prefetch on arrival (a machine open, kept apart from the human ones)."""
    if not (plan.views or plan.clicks or plan.replied):
        return
    await engagement.record_view(email, "Mozilla/5.0", at=delivered + timedelta(seconds=2))
    at = delivered
    for view in range(plan.views):
        at += timedelta(minutes=10 + 7 * view)
        await engagement.record_view(email, DEMO_READER, at=at)
    for click in range(plan.clicks):
        at += timedelta(minutes=5)
        await engagement.record_click(
            email, DEMO_LINKS[click % len(DEMO_LINKS)], DEMO_READER, at=at
        )
    if plan.replied:
        data = {"from": email.to_addresses[0] if email.to_addresses else "", "subject": "Re: …"}
        await engagement.record_reply(
            email,
            automatic=False,
            data=data,
            at=at + timedelta(minutes=20),
            text="Thanks, good timing. Could we talk on Thursday?",  # shown in Email.replies
        )
