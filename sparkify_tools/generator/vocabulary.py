"""Word lists the synthetic catalog and listeners are built from.

The non-ASCII entries are chosen so that their UTF-8 bytes exercise the double-encoding repair:
accented Latin letters, a name ending in "à" (its double-encoded form ends in U+00A0, which
trim() removes if it runs before the repair), characters above U+00FF, and an acute accent used
as an apostrophe.
"""

# ruff: noqa: RUF001

from __future__ import annotations

# Word lists are kept a few per line; one per line would run to hundreds of lines.
# fmt: off

TITLE_WORDS: tuple[str, ...] = (
    "Love", "Night", "Heart", "Fire", "Rain", "Dream", "Soul", "Deep", "Blue", "Gold", "Road", "Home",
    "Light", "Dark", "Summer", "Winter", "River", "Sky", "Stone", "Girl", "Boy", "Time", "City", "Ghost",
    "Angel", "Devil", "Moon", "Sun", "Star", "Heaven", "Train", "Wild", "Sweet", "Lonely", "Broken",
    "Crazy", "Little", "Big", "Last", "First", "Lost", "Secret", "Silent", "Electric", "Golden",
    "Midnight", "Morning", "Highway", "Kingdom", "Paradise", "Memory", "Shadow", "Thunder", "Ocean",
    "Desert", "Mirror", "Window", "Garden", "Storm", "Echo", "Fever", "Honey", "Whiskey", "Diamond",
    "Velvet", "Neon", "Satellite", "Rocket", "Dance", "Song", "Blues", "Lullaby", "Anthem", "Parade",
    "Revolution", "Machine", "Radio", "Letter", "Promise", "Tears", "Smile", "Kiss", "Goodbye", "Hello",
    "Tomorrow", "Yesterday", "Forever", "Never", "Again", "Alone", "Together", "Inside", "Outside",
    "Falling", "Running", "Waiting", "Burning", "Dancing", "Crying", "Flying", "Walking", "Talking",
    "Shining", "Rising", "Sinking", "Holy", "Wicked", "Gentle", "Savage", "Quiet", "Loud", "Easy", "Hard",
    "Slow", "Fast", "Cold", "Warm", "Empty", "Full", "Strange", "Perfect", "Beautiful", "Dirty", "Pretty",
    "Soldier", "Sailor", "Stranger", "Lover", "Prisoner", "Dreamer", "Hunter", "Queen", "King", "Revelry",
    "Romance", "Mercy", "Glory", "Sorrow", "Trouble", "Freedom", "Harmony", "Riot",
)

TITLE_SUFFIXES: tuple[str, ...] = (
    " (Album Version)", " (Live)", " (Remix)", " (Radio Edit)", " (Acoustic)", " (Demo)", " (Remastered)",
    " [Explicit]", " (feat. Guest)", " - Single Version",
)

ARTIST_WORDS: tuple[str, ...] = (
    "Kings", "Box", "Tops", "Arctic", "Black", "White", "Red", "Silver", "Iron", "Velvet", "Crystal",
    "Electric", "Lunar", "Solar", "Wolves", "Foxes", "Bears", "Tigers", "Crows", "Ravens", "Pilots",
    "Sailors", "Brothers", "Sisters", "Daughters", "Sons", "Saints", "Sinners", "Ghosts", "Machines",
    "Robots", "Monks", "Prophets", "Rebels", "Outlaws", "Drifters", "Strangers", "Lovers", "Dreamers",
    "Tramps", "Kids", "Boys", "Girls", "Orchestra", "Ensemble", "Quartet", "Trio", "Collective",
    "Society", "Club", "Band", "Parade", "Circus", "Union", "Syndicate", "Cartel", "Empire", "Republic",
    "Nation", "Avenue", "Boulevard", "Street", "Harbor", "Valley", "Mountain", "Canyon", "Forest",
)

PERSON_FIRST: tuple[str, ...] = (
    "Adam", "Casey", "Dwight", "Elena", "Frank", "Grace", "Harold", "Iris", "Jack", "Karen", "Leon",
    "Maria", "Nina", "Oscar", "Paul", "Quinn", "Rosa", "Sam", "Tina", "Victor", "Wanda", "Xavier",
    "Yvonne", "Zach", "Billy", "Nick", "Jonathan", "Gloria", "Lucinda", "Marvin",
)

PERSON_LAST: tuple[str, ...] = (
    "Ant", "Yoakam", "Cave", "King", "Idol", "Young", "Brown", "Green", "Black", "Stone", "Walker",
    "Turner", "Hayes", "Rivers", "Knight", "Fox", "Wolf", "Ellis", "Harper", "Lane", "Price", "Rhodes",
    "Shaw", "Vance", "Webb", "Wilde", "Marley", "Mercury", "Bell", "Cash",
)

# Real-looking non-ASCII artist names (proper Unicode; the log may double-encode them).
NON_ASCII_ARTISTS: tuple[str, ...] = (
    "Björk", "Beyoncé", "Múm", "Sigur Rós", "Röyksopp", "Michael Bublé", "José González", "Céline Dion",
    "Mötley Crüe", "Alizée", "Habib Koité", "Café Tacvba", "Ill Niño", "Françoise Hardy", "Hervé & Kissy",
    "Leftöver Crack", "Maria Bethânia", "Tiësto", "Charly García", "Los Látigos", "Bløf",
    "Zbigniew Łęcki", "Dvořák Ensemble", "Sinéad O'Connor", "Exposé", "Héroes del Silencio",
    "Anne-Lie Rydé", "Grégory Lemarchal", "Erdmöbel",
)

NON_ASCII_TITLES: tuple[str, ...] = (
    "Représente", "Sincerité Et Jalousie", "Sinisten tähtien alla", "Ces Gens Là", "Dímelo",
    "Como Un Sueño", "Sala De Recepção", "1865 (96º In The Shade)", "Don´t Believe The Hype",
    "Für Maria (Album Version)", "Bück Dich", "Canción Triste", "Coração Vagabundo", "Inútil",
    "Jag är en vampyr", "Cómplices", "EG GLEÐIST SO HVØRT JÓLAKVØLD", "Święta Noc", "Amnistía",
    "Día cero", "De São Paulo À Belém", "Estoy Aquí", "Voilà", "Déjà Vu", "Noël",
)

# Mangled apostrophes as found in the real catalog ("Don\u0019t", "Tapes \u0018n Tapes").
CONTROL_CHAR_TITLES: tuple[str, ...] = (
    "Don\x19t Call Home", "Life\x19s Great", "Howlin\x19 For You", "It\x19s Fun", "Summer\x19s End",
    "Ghetto ABC\x19s",
)

CONTROL_CHAR_ARTISTS: tuple[str, ...] = (
    "Gigi D\x19Agostino", "Tapes \x18n Tapes", "Th\x19 Faith Healers",
)

ARTIST_LOCATIONS: tuple[str, ...] = (
    "Memphis, TN", "California - LA", "London, England", "New York, NY", "Chicago, IL", "Nashville, TN.",
    "Seattle, WA", "Austin, TX", "Berlin, Germany", "Paris, France", "Stockholm, Sweden",
    "Reykjavik, Iceland", "Toronto, Ontario, Canada", "Detroit, MI", "Manchester, England",
    "Dublin, Ireland", "Sydney, Australia", "Kingston, Jamaica", "Montréal, Québec", "São Paulo, Brazil",
    "Ubá, Minas Gerais", "Münster, Germany", "Great Britain / UK",
    "Los Angeles, California, United States", "東京, Japan", "Москва, Russia", "Orange County , USA",
    "L.A \tCalifornia, Estados Unidos",
)

USER_FIRST_F: tuple[str, ...] = (
    "Kaylee", "Sylvie", "Stefany", "Marina", "Makinley", "Lily", "Chloe", "Tegan", "Jacqueline", "Kate",
    "Ava", "Layla", "Anabelle", "Rylan", "Jizelle", "Aleena", "Cierra", "Katherine", "Brooklyn", "Emily",
    "Harper", "Lucero", "Sara", "Tamia",
)

USER_FIRST_M: tuple[str, ...] = (
    "Walter", "Ryan", "Jayden", "Kevin", "Aiden", "Jacob", "Ethan", "Noah", "Liam", "Mason", "Logan",
    "Lucas", "Carter", "Wyatt", "Owen", "Dylan", "Connar", "Matthew", "Samuel", "Cruz",
)

USER_LAST: tuple[str, ...] = (
    "Frye", "Summers", "Cruz", "Smith", "Fox", "White", "Arellano", "Sutton", "Hess", "Jones", "Koch",
    "Harrell", "Levine", "Roth", "Moreno", "Bell", "Ellis", "Garrison", "Williams", "Robinson", "Bowen",
    "Hogan", "Morales", "Graham", "Ball", "Benjamin", "Stone", "Kirby",
)

USER_LOCATIONS: tuple[str, ...] = (
    "San Francisco-Oakland-Hayward, CA", "Phoenix-Mesa-Scottsdale, AZ",
    "Washington-Arlington-Alexandria, DC-VA-MD-WV", "San Jose-Sunnyvale-Santa Clara, CA",
    "New Orleans-Metairie, LA", "Lubbock, TX", "Harrisburg-Carlisle, PA", "Salinas, CA",
    "La Crosse-Onalaska, WI-MN", "Chicago-Naperville-Elgin, IL-IN-WI",
    "Atlanta-Sandy Springs-Roswell, GA", "New York-Newark-Jersey City, NY-NJ-PA",
    "Lansing-East Lansing, MI", "Tampa-St. Petersburg-Clearwater, FL", "Portland-South Portland, ME",
    "Houston-The Woodlands-Sugar Land, TX", "Birmingham-Hoover, AL", "Red Bluff, CA", "Winston-Salem, NC",
    "Janesville-Beloit, WI", "Detroit-Warren-Dearborn, MI",
)

# Real user agents from the sample; the log quotes those that contain a comma (a CSV artifact).
USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) "
    "Version/7.0.6 Safari/537.78.2",
    "Mozilla/5.0 (Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu "
    "Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.94 "
    "Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.125 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like "
    "Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; WOW64; Trident/6.0)",
)
# fmt: on
