"""The per-tenant handbook: five policy documents whose facts come from ``TenantFacts``.

The prose around the facts is shared by both tenants and names no fact of its own; every
sentence that states a tenant's number is built from that tenant's ``TenantFacts`` in
``_clauses``, so the handbook cannot drift from the facts answer tests check against.
Sections are Markdown headings because the chunker cuts documents at headings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from demo.policies import TenantFacts

HANDBOOK_TOPICS = ("refunds", "shipping", "returns", "warranty", "support-hours")


class HandbookDoc(BaseModel):
    """One policy document of one tenant, before front matter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str
    title: str
    labels: tuple[str, ...]
    body: str


def handbook_docs(facts: TenantFacts) -> tuple[HandbookDoc, ...]:
    """The tenant's handbook, in ``HANDBOOK_TOPICS`` order."""
    clauses = _clauses(facts)
    return tuple(
        HandbookDoc(
            topic=topic,
            title=title.format(company=facts.company),
            labels=("policy", label),
            body=template.format(company=facts.company, **clauses),
        )
        for topic, (title, label, template) in zip(HANDBOOK_TOPICS, _TEMPLATES, strict=True)
    )


def _clauses(facts: TenantFacts) -> dict[str, str]:
    return _refund_clauses(facts) | _shipping_clauses(facts) | _other_clauses(facts)


def _refund_clauses(f: TenantFacts) -> dict[str, str]:
    days = f"{f.refund_window_days} days"
    if f.store_credit_after_window:
        return {
            "window_rule": f"Customers may return an unused item for a full refund within {days}"
            " of delivery. No reason is needed, and the refund covers the full price paid for"
            " the item.",
            "after_window_rule": f"After {days} a cash refund is no longer available. For a"
            " further sixty days we offer store credit for the full price paid instead; the"
            " credit never expires and can be spent on any product in the shop. After that,"
            " only warranty claims apply.",
            "partial_rule": "Items returned opened but complete are refunded in full; there is"
            " no deduction for opened packaging. Items returned incomplete or damaged by the"
            " customer may be refunded in part, at the team lead's judgement.",
            "window_reminder": f"Returns for a refund are accepted within {days} of delivery;"
            " later returns are accepted for store credit as the refund policy explains.",
            "inspection_rule": "Opened items in full working order are refunded in full, with"
            " no deduction.",
        }
    fee = f"{f.restocking_fee_percent}% restocking fee"
    return {
        "window_rule": f"Customers may request a refund within {days} of delivery. Unopened"
        " items are refunded in full. The window is strict: a request made on the day after"
        " it closes is outside it, however good the reason.",
        "after_window_rule": f"After {days} no refund is due, and we do not offer vouchers or"
        " credit in place of a refund. A faulty product is handled under the warranty policy"
        " instead, whatever its age.",
        "partial_rule": f"Opened items are refunded less a {fee}, which covers inspection"
        " and repackaging. The fee is waived when the item arrived damaged or was not what the"
        " customer ordered. Items returned incomplete may be refunded in part, at the team"
        " lead's judgement.",
        "window_reminder": f"Returns are accepted within {days} of delivery; after that,"
        " faulty items go through the warranty process instead.",
        "inspection_rule": f"Opened items are refunded less the {fee}; items damaged in"
        " transit are refunded in full.",
    }


def _shipping_clauses(f: TenantFacts) -> dict[str, str]:
    low, high = f.delivery_business_days
    speed = f"Standard shipping takes {low}–{high} business days from dispatch."
    if f.free_shipping_over is not None:
        charge = (
            f"Standard shipping is free on orders over ${f.free_shipping_over:.0f} (after"
            " discounts, before tax). Orders below that threshold pay a standard shipping"
            " charge based on weight, shown at checkout."
        )
    else:
        charge = (
            f"Every order pays a flat rate of ${f.flat_shipping_fee} for standard shipping,"
            " whatever its size or value; there is no free-shipping threshold."
        )
    return {
        "charge_rule": f"{charge} Express shipping is available for an extra charge on any order.",
        "speed_rule": speed,
    }


def _other_clauses(f: TenantFacts) -> dict[str, str]:
    return {
        "coverage_rule": f"Every product sold by {f.company} carries a {f.warranty_months}-month"
        " limited warranty from the date of delivery.",
        "hours_rule": f"{f.company} support is open {f.support_hours}.",
    }


_REFUNDS = """\
# {company} refund policy

## Purpose

This policy tells support agents and store staff at {company} when a customer is owed a refund, \
how much, and how the money goes back. It applies to every order placed on the {company} web \
shop and mobile app, whether the customer paid by card, wallet or gift card. When the policy and \
a manager's instinct disagree, follow the policy and escalate the case, so that we improve the \
rules rather than make exceptions one ticket at a time.

## Refund window

{window_rule}

The window is counted from the delivery date recorded by the carrier, not from the order date. \
If tracking shows no delivery scan, use the date the customer first contacted us about the \
order. Agents should quote the window exactly as written here; do not promise a longer period \
to close a ticket faster.

## After the window closes

{after_window_rule}

## How refunds are paid

Refunds go back to the original payment method. Card refunds usually appear on the customer's \
statement within five to ten banking days, depending on the bank; wallet refunds are usually \
faster. Gift card purchases are refunded to a new gift card of the same value. We never refund \
to a different card, to a bank account the customer names in a ticket, or to a third party, \
even when the request sounds urgent: those requests are a common fraud pattern and must be \
escalated to the payments team.

## Partial refunds

{partial_rule}

Shipping charges are refunded only when the item arrived damaged, was the wrong item, or never \
arrived. For a change of mind, the original shipping charge is not refunded.

## Exceptions and escalation

Agents may not approve exceptions on their own. If a customer has a genuine hardship, a disputed \
delivery, or a repeated problem with the same product, add a note to the ticket and assign it to \
the team lead queue. Team leads record the reason for every exception so the monthly policy \
review can see where the rules do not fit real customers.

## Records

Every refund must reference the order number and the ticket in which it was requested. Do not \
copy card numbers, bank details or the customer's full address into ticket notes; the order \
record already holds what finance needs.
"""

_SHIPPING = """\
# {company} shipping policy

## Scope

This document describes how {company} ships orders within the continental United States, what \
customers pay for delivery, and what agents should say when a parcel is late. International \
orders follow a separate process run by the logistics team and are not covered here.

## Shipping charges

{charge_rule}

The shipping charge is shown in the basket before checkout and on the order confirmation. Agents \
cannot waive or change a shipping charge after the order is placed; if a customer was charged \
incorrectly, open a billing ticket with the order number.

## Delivery times

{speed_rule} Orders placed before 2 pm on a business day leave the warehouse the same day; \
later orders leave the next business day. Weekends and public holidays are not business days, \
so an order placed on a Friday evening is usually dispatched on Monday.

Delivery times are an estimate from the carrier, not a guarantee. Bulky items such as tents and \
large planters can take one or two extra days because they travel by freight.

## Tracking

Every parcel gets a tracking number, emailed to the customer when the label is printed. Tracking \
often shows no movement for the first day while the carrier collects from the warehouse; \
reassure the customer and ask them to check again the next day. If the tracking link itself does \
not open, resend it from the order page rather than copying the number by hand.

## Late and lost parcels

A parcel is late when it has not arrived two business days after the end of the delivery \
estimate. For a late parcel, open a carrier trace and tell the customer we will reply within two \
business days. A parcel is lost when the carrier trace confirms it, or when five business days \
pass after the estimate with no scan. For a lost parcel, offer a replacement or a full refund, \
including the shipping charge, at the customer's choice.

## Address changes

An address can be changed until the label is printed. After that, the carrier must redirect the \
parcel, which is not always possible, so never promise a redirect. Confirm the new address in \
writing in the ticket before changing it, and only for the account holder.
"""

_RETURNS = """\
# {company} returns process

## Overview

This process explains how a customer sends an item back to {company} and what happens in the \
warehouse when it arrives. The refund policy decides what the customer gets back; this document \
covers the logistics. Agents should read both before handling a return for the first time.

## Starting a return

Customers start a return from the order page or by asking support. {window_reminder} The agent \
checks that the order belongs to the customer asking and that the item is eligible, and then \
issues a prepaid return label by email. One label covers all items from the same order that are \
returned together.

Items that cannot be returned for hygiene reasons, such as opened earbuds, are listed on the \
product page. Gift purchases may be returned by the recipient with the gift receipt; the refund \
then goes to the buyer's original payment method.

## Packing

Ask the customer to use the original packaging where possible and to include every accessory, \
manual and cable. An item returned without its accessories is incomplete and may not be \
refunded in full. Customers should remove personal data from smart devices before sending them \
back.

## In the warehouse

Returns are inspected within three business days of arrival. The inspector records the condition \
as new, opened, damaged in transit or damaged by use, with photos. {inspection_rule} Once \
inspection is complete, the system triggers the refund automatically and emails the customer.

## Damaged or wrong items

If an item arrived damaged or was not what the customer ordered, the customer does not pay for \
the return and does not need to repack it in its original box. Ask for a photo of the item and \
of the shipping box, attach both to the ticket, and issue the label straight away. For large \
items we arrange a collection instead of a label.

## Exchanges

We do not do direct exchanges. The customer returns the item for a refund and places a new \
order; if stock is short, the agent may reserve the replacement for two days.
"""

_WARRANTY = """\
# {company} product warranty

## What the warranty covers

{coverage_rule} The warranty covers defects in materials and workmanship that appear during \
normal use: a kettle that stops heating, a speaker with a dead channel, a tent pole that cracks \
on its first pitch. It does not cover wear and tear, accidental damage, misuse, or damage from \
repairs made by anyone other than an authorised repairer.

## Who can claim

The warranty belongs to the original buyer and to anyone who received the product as a gift \
with a gift receipt. It is not transferable when a product is resold. Proof of purchase is the \
order number; customers do not need to keep the box.

## Making a claim

The customer contacts support with the order number, a short description of the fault, and a \
photo or short video in which the fault is visible. The agent checks the purchase date against \
the warranty period and against the product's list of known issues. Most claims can be decided \
in the ticket; send the item for inspection only when the fault is unclear.

## Remedies

We repair the product, replace it with the same or an equivalent model, or refund the price \
paid, in that order of preference. A replacement product carries the remainder of the original \
warranty, not a new warranty period. If a product has been repaired twice for the same fault, \
the next claim is settled with a replacement or a refund.

## Manufacturer warranties

Some brands offer their own, longer warranties. These sit alongside ours and do not replace it. \
Point the customer to the manufacturer only when that warranty would give the customer more \
than ours does, and never as a way to close a ticket.

## Consumer rights

Nothing in this policy limits the rights customers have under consumer protection law. If a \
customer cites a statutory right, do not argue; escalate the ticket to the team lead queue.
"""

_SUPPORT_HOURS = """\
# {company} customer support hours

## Hours

{hours_rule} Outside these hours the help centre and the order page remain available, and \
messages sent through the contact form are answered in order of arrival when the team is back.

## Channels

Customers can reach support by chat on the web shop, by the contact form, or by phone. Chat and \
phone are staffed only during support hours. The contact form is the right channel for anything \
that needs attachments, such as photos of a damaged item.

## Response targets

During support hours we aim to answer chat within two minutes and phone calls within five \
minutes. Contact form messages are answered within one business day. Tickets that wait longer \
than twice the target are flagged to the team lead, who may move agents between channels.

## Holidays

Support is closed on New Year's Day, Thanksgiving Day and Christmas Day. On other public \
holidays support runs reduced hours, announced on the help centre a week in advance.

## Identity checks

Before discussing an order, the agent confirms that they are talking to the account holder: the \
order number plus either the email address or the phone number on the account. Never read \
personal details out for the caller to confirm; ask the caller to state them instead. If the \
caller cannot pass the check, help with general questions only.

## Accessibility

Customers who use a relay service, a screen reader or a sign-language interpreter get the same \
service on every channel. Agents should allow extra time on calls placed through a relay \
service and must never end such a call because of silence. A written summary of a phone call \
can be sent by email on request, so that the customer has a record of what was agreed.

## Escalation

Agents escalate to the team lead queue for refunds outside policy, suspected fraud, threats, or \
any request to change who owns an account. The team lead answers escalations within four \
business hours. Out of hours, urgent safety issues (for example a product that overheats) go to \
the on-call manager named in the support rota.
"""

_TEMPLATES = (
    ("{company} refund policy", "refunds", _REFUNDS),
    ("{company} shipping policy", "shipping", _SHIPPING),
    ("{company} returns process", "returns", _RETURNS),
    ("{company} product warranty", "warranty", _WARRANTY),
    ("{company} customer support hours", "support", _SUPPORT_HOURS),
)
