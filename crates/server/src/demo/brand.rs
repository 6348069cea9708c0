//! The Brand & Campaigns team's drafts: campaigns, corporate news, the agency's posts, the
//! crisis statement for the Leeds fire, and the brand team's share of policy breaches.

use super::sample::channel::*;
use super::sample::{Sample, Then};
use countersign_core::Network::*;

const ELLIE: &str = "ellie.morgan";
const AGENCY: &str = "brightside.agency";

pub(super) fn samples() -> Vec<Sample> {
    vec![
        Sample::new(
            ELLIE,
            Instagram,
            INSTAGRAM,
            "Cosy season starts here 🍂 Our new knitwear edit is in stores and online now: \
             chunky cable knits from £25. Tap to shop. #HartwellAutumn",
        )
        .due(60 * 20)
        .age(180)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/autumn-knitwear.jpg",
            Some(
                "Three friends in chunky knit jumpers laughing on a park bench under \
                      autumn trees",
            ),
        ),
        Sample::new(
            AGENCY,
            Instagram,
            INSTAGRAM,
            "Sneak peek 👀 Something new is coming to your skincare shelf… Project Juniper lands \
             in 40 stores on 3 March! (Internal only until the trade press embargo lifts, shh!) \
             #ComingSoon #HartwellBeauty",
        )
        .due(60 * 30)
        .age(260)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/juniper-teaser.jpg",
            Some("A frosted glass jar on a green background, label hidden"),
        )
        .breaks("a confidential code name and 'internal only' text in a public post"),
        Sample::new(
            ELLIE,
            Linkedin,
            LINKEDIN,
            "We're proud to be named one of the UK's Top Employers for Apprenticeships for the \
             third year running. This year 340 apprentices joined Hartwell & Lane in our stores, \
             pharmacies and the Wakefield distribution centre, and 60 of them are now qualified \
             pharmacy technicians. Thank you to every mentor who made it happen. \
             #Apprenticeships #CareersInRetail",
        )
        .due(60 * 48)
        .age(500),
        Sample::new(
            AGENCY,
            Threads,
            THREADS,
            "POV: you just spotted the last Lane Beauty advent calendar on the shelf 🏃‍♀️💨 \
             #AdventCalendar #HartwellBeauty",
        )
        .due(60 * 22)
        .age(210)
        .video(
            "https://media.hartwell-lane.co.uk/campaigns/advent-sprint.mp4",
            Some("A shopper sprinting down a store aisle towards a glowing advent calendar"),
        ),
        Sample::new(
            ELLIE,
            X,
            BRAND_X,
            "🎄 WIN a £250 Hartwell & Lane gift card! Follow @HartwellLane and repost this by \
             midnight on Sunday to enter. UK residents 18+ only. Full T&Cs: \
             hartwell-lane.co.uk/win",
        )
        .legal()
        .due(60 * 70)
        .age(420)
        .then(Then::Reviewed("hannah.okafor")),
        Sample::new(
            AGENCY,
            Facebook,
            FACEBOOK,
            "Black Friday starts NOW! Up to 50% off beauty, homeware and gifts, online and in \
             stores until Monday. Don't miss out! 🛍️",
        )
        .legal()
        .due(60 * 96)
        .age(380)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/black-friday-hero.jpg",
            Some(
                "Gift boxes in Hartwell & Lane's green and gold wrapping with a 'Up to 50% \
                      off' banner",
            ),
        ),
        Sample::new(
            ELLIE,
            Mastodon,
            MASTODON,
            "Our Wakefield distribution centre now runs on 100% renewable electricity, and the \
             4,200 solar panels on its roof make about a fifth of what it uses. Our full \
             sustainability report: hartwell-lane.co.uk/planet #Sustainability",
        )
        .legal()
        .due(60 * 44)
        .age(350)
        .then(Then::Reviewed("hannah.okafor")),
        Sample::new(
            ELLIE,
            Bluesky,
            BLUESKY,
            "We're opening in Durham! 🎉 Our new store on Silver Street opens on Saturday at 9am \
             with a full pharmacy, a beauty hall and a café. The first 100 through the door get \
             a free tote bag.",
        )
        .due(60 * 26)
        .age(310)
        .then(Then::Revised {
            reviewer: "hannah.okafor",
            comment: "Store ops say doors open at 8:30 on launch day, not 9. Can you fix \
                          the time?",
            body: "We're opening in Durham! 🎉 Our new store on Silver Street opens on \
                       Saturday at 8:30am with a full pharmacy, a beauty hall and a café. The \
                       first 100 through the door get a free tote bag.",
        }),
        Sample::new(
            AGENCY,
            Instagram,
            INSTAGRAM,
            "Swipe for the party edit ✨ Sequins, velvet and the perfect red lip, all under £40. \
             Which look is yours? #PartySeason #HartwellStyle",
        )
        .due(60 * 28)
        .age(230)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/party-1.jpg",
            Some("A woman in a green sequin dress holding a glass of fizz"),
        )
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/party-2.jpg",
            None,
        )
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/party-3.jpg",
            Some("Close-up of a red lipstick next to a velvet clutch bag"),
        )
        .breaks("one image of the carousel has no alt text"),
        Sample::new(
            ELLIE,
            Linkedin,
            LINKEDIN,
            "We're hiring 45 pharmacists across Yorkshire and the North East. Flexible shifts, \
             a £3,000 welcome bonus and paid time for independent prescribing training. Find \
             your nearest role at hartwell-lane.co.uk/careers #PharmacyJobs",
        )
        .due(60 * 24 * 4)
        .age(640),
        Sample::new(
            AGENCY,
            Facebook,
            FACEBOOK,
            "On behalf of Hartwell & Lane's board: we can confirm all staff and customers at \
             Leeds Briggate are safe following this morning's fire. The board has ordered a full \
             review of electrical safety at all 212 stores and will update shareholders on \
             Monday.",
        )
        .crisis()
        .due(25)
        .age(7)
        .breaks(
            "an outside agency speaking for the company in a crisis (not an authorised \
                     spokesperson)",
        ),
        Sample::new(
            ELLIE,
            X,
            BRAND_X,
            "Leeds Briggate: everyone is safe. This morning's fire was put out quickly by West \
             Yorkshire Fire & Rescue and no one was hurt. The store is closed today and \
             prescriptions are moving to Leeds Trinity. More when we know it.",
        )
        .crisis()
        .due(20)
        .age(5),
        Sample::new(
            ELLIE,
            Facebook,
            FACEBOOK,
            "An update on our Leeds Briggate store. Everyone is safe: this morning's fire in the \
             stockroom was quickly put out by West Yorkshire Fire & Rescue and no one was hurt. \
             The store will stay closed today. If you collect prescriptions at Briggate, they \
             are being moved to our Leeds Trinity pharmacy and will be ready from 2pm. We'll \
             share more as soon as we know it. Thank you to our colleagues and the fire service.",
        )
        .crisis()
        .due(20)
        .age(5),
        Sample::new(
            ELLIE,
            X,
            BRAND_X,
            "Mother's Day is Sunday 30 March 💐 Our gift edit has something for every kind of \
             mum, from £5. Order by 27 March for free next-day delivery.",
        )
        .due(60 * 24 * 6)
        .age(900),
        Sample::new(
            AGENCY,
            Facebook,
            FACEBOOK,
            "Join our beauty experts LIVE on Thursday at 7pm for a festive make-up masterclass 💄 \
             Bring your questions and we'll answer as many as we can!",
        )
        .due(60 * 30)
        .age(280)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/masterclass.jpg",
            Some("A make-up artist applying gold eyeshadow to a smiling model"),
        ),
        Sample::new(
            ELLIE,
            Threads,
            THREADS,
            "Which one's going under your tree this year? 🎁 A) the cosy pyjama set B) the bath \
             & body hamper C) the smart speaker bundle. Tell us below 👇",
        )
        .due(60 * 8)
        .age(150),
        Sample::new(
            AGENCY,
            X,
            BRAND_X,
            "Unlike SOME high street chemists, our prices don't need a magnifying glass 🔍😉 \
             Everyday essentials from 50p. #HartwellLane",
        )
        .legal()
        .due(60 * 12)
        .age(190),
        Sample::new(
            ELLIE,
            Instagram,
            INSTAGRAM,
            "60 seconds in the life of a Hartwell pharmacist ⏱️ From 7am deliveries to blood \
             pressure checks, meet Amira from our Sheffield Fargate store. #MeetTheTeam \
             #HartwellPharmacy",
        )
        .due(60 * 36)
        .age(330)
        .video(
            "https://media.hartwell-lane.co.uk/campaigns/meet-amira.mp4",
            Some(
                "Amira, a pharmacist, unpacking a delivery, then checking a customer's \
                      blood pressure",
            ),
        ),
        Sample::new(
            ELLIE,
            Linkedin,
            LINKEDIN,
            "Our half-year results are out: sales up 4.2%, pharmacy services up 11%, and 1.3 \
             million new Lane Rewards members. Thank you to our 18,000 colleagues. Read the full \
             statement: hartwell-lane.co.uk/investors",
        )
        .legal()
        .due(60 * 24 * 5)
        .age(700),
        Sample::new(
            AGENCY,
            Bluesky,
            BLUESKY,
            "Self-care Sunday 🛁 Our new lavender bath soak helps you sleep better, clinically \
             proven! Only £6 this week. #SelfCare",
        )
        .legal()
        .due(60 * 40)
        .age(240),
        Sample::new(
            ELLIE,
            Facebook,
            FACEBOOK,
            "Round up at the till this December and every penny goes to Northern Lights \
             Children's Hospice. Last year you raised £412,000. Thank you ❤️",
        )
        .due(60 * 24 * 2)
        .age(480)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/northern-lights.jpg",
            Some("Hospice nurses and Hartwell colleagues holding a giant cheque"),
        ),
        Sample::new(
            AGENCY,
            X,
            BRAND_X,
            "New in: the Lane Home candle collection 🕯️ Five scents, from £8. Which one are you \
             lighting first?",
        )
        .due(60 * 10)
        .age(170)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/candles.jpg",
            None,
        )
        .breaks("an image without alt text"),
        Sample::new(
            ELLIE,
            Mastodon,
            MASTODON,
            "Quiet hour is back: every Tuesday from 9 to 10am our stores dim the lights, turn \
             off the music and switch off the tannoy for customers who find shopping \
             overwhelming. #QuietHour #Accessibility",
        )
        .due(60 * 30)
        .age(260),
        Sample::new(
            ELLIE,
            X,
            BRAND_X,
            "Correction: yesterday's post said our 3-for-2 on skincare ends on Sunday. It \
             actually runs until 11:59pm on Monday. Sorry for the mix-up!",
        )
        .urgent()
        .due(30)
        .age(10),
        Sample::new(
            AGENCY,
            Threads,
            THREADS,
            "Beauty counter confessions: what's the one product you'd save in a fire? 🔥 (too \
             soon, Leeds? 😬)",
        )
        .due(60 * 3)
        .age(18)
        .breaks("a joke about the Leeds fire during a live crisis (reputational risk)"),
        Sample::new(
            ELLIE,
            Instagram,
            INSTAGRAM,
            "Meet the new Lane Beauty SPF 50 daily fluid: lightweight, no white cast and \
             fragrance-free 💛 From £9.50. #SPFEveryDay",
        )
        .legal()
        .due(60 * 24 * 2)
        .age(450)
        .image(
            "https://media.hartwell-lane.co.uk/campaigns/spf50.jpg",
            Some("A yellow tube of Lane Beauty SPF 50 on a sunny windowsill"),
        ),
        Sample::new(
            ELLIE,
            Facebook,
            FACEBOOK,
            "Leeds Briggate update: the store reopens tomorrow at 9am. The pharmacy is open as \
             normal, and prescriptions moved to Leeds Trinity can be collected from either store. \
             Thank you for your patience.",
        )
        .urgent()
        .due(60 * 6)
        .age(3),
        Sample::new(
            AGENCY,
            Bluesky,
            BLUESKY,
            "Introducing the Lane Home winter collection ❄️ Think faux-fur throws in forest \
             green, hand-finished ceramic mugs, a cinnamon and clove candle that makes the whole \
             house smell like Christmas morning, and our softest-ever brushed cotton bedding in \
             five new colours. In stores from Thursday and online now, with free delivery on \
             orders over £30. #LaneHome #WinterCollection #Cosy",
        )
        .due(60 * 24)
        .age(330)
        .breaks("over-length Bluesky post (more than 300 characters)"),
        Sample::new(
            ELLIE,
            Threads,
            THREADS,
            "Our Wakefield warehouse team packed 1.2 million orders last month, and still found \
             time to raise £8,000 for the Wakefield food bank 💚 Proud of you all.",
        )
        .due(60 * 9)
        .age(140),
    ]
}
