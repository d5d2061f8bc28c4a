#!/usr/bin/env python3
"""Writes the master data of the inspections example (schema.json) into master-data/.

    python3 examples/inspections/generate.py

Deterministic: a fixed seed and no dependence on the clock, the locale or hash order, so a
second run writes byte-identical files. Python 3 standard library only.

  master-data/sites.csv                 2000 sites in six cities
  master-data/assets.csv                8000 assets, each on one of those sites
  master-data/checklist-templates.json  48 checklist templates, six per asset category

CSV conventions: UTF-8, a header row, `id` first and then the type's field names, RFC 4180
quoting where a cell needs it, LF line ends; an empty cell is an absent field; booleans are
true/false; datetimes ISO 8601 in UTC; stringList cells (none in these files) split on `|`.
Floors: 0 is street level, basements are negative, the roof is the floor above the top storey.
"""

import csv
import datetime
import io
import json
import os
import random

SEED = 20240611
SITE_COUNT = 2000
ASSET_COUNT = 8000
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "master-data")

CATEGORIES = ["boiler", "elevator", "fire_extinguisher", "sprinkler", "hvac", "generator",
              "electrical_panel", "roof"]

# ---------------------------------------------------------------------------------------------
# Cities: districts (name, latitude, longitude, postal code or range) and streets.

CITIES = [
    {
        "city": "Chicago", "code": "CHI", "style": "us", "state": "IL", "weight": 22,
        "districts": [
            ("Loop", 41.8837, -87.6289, "60603"), ("River North", 41.8924, -87.6341, "60654"),
            ("West Loop", 41.8825, -87.6470, "60607"), ("Lincoln Park", 41.9214, -87.6513, "60614"),
            ("Lakeview", 41.9434, -87.6553, "60657"), ("Wicker Park", 41.9088, -87.6796, "60622"),
            ("Logan Square", 41.9234, -87.7083, "60647"), ("Hyde Park", 41.7943, -87.5907, "60615"),
            ("Pilsen", 41.8525, -87.6615, "60608"), ("Bronzeville", 41.8169, -87.6169, "60653"),
            ("Uptown", 41.9665, -87.6533, "60640"), ("South Loop", 41.8569, -87.6244, "60605"),
        ],
        "streets": ["N Clark St", "W Madison St", "S Michigan Ave", "N Halsted St", "W Fullerton Ave",
                    "N Milwaukee Ave", "S State St", "W Division St", "N Broadway", "S Wabash Ave",
                    "W Chicago Ave", "E 47th St", "S Wacker Dr", "W Randolph St", "N Lincoln Ave",
                    "S Cottage Grove Ave"],
    },
    {
        "city": "Denver", "code": "DEN", "style": "us", "state": "CO", "weight": 14,
        "districts": [
            ("LoDo", 39.7527, -105.0002, "80202"), ("Capitol Hill", 39.7312, -104.9826, "80203"),
            ("Cherry Creek", 39.7169, -104.9536, "80206"), ("Highland", 39.7621, -105.0116, "80211"),
            ("Five Points", 39.7558, -104.9777, "80205"), ("RiNo", 39.7683, -104.9799, "80216"),
            ("Baker", 39.7141, -104.9893, "80223"), ("Washington Park", 39.6995, -104.9700, "80209"),
            ("Sloan Lake", 39.7470, -105.0476, "80212"), ("Congress Park", 39.7333, -104.9494, "80206"),
            ("Central Park", 39.7617, -104.8906, "80238"), ("Speer", 39.7230, -104.9810, "80218"),
        ],
        "streets": ["E Colfax Ave", "Broadway", "Larimer St", "Blake St", "Wynkoop St", "16th St",
                    "Speer Blvd", "Federal Blvd", "Colorado Blvd", "Lincoln St", "Champa St",
                    "Welton St", "Brighton Blvd", "S Pearl St", "W 32nd Ave", "E 17th Ave"],
    },
    {
        "city": "Toronto", "code": "TOR", "style": "ca", "province": "ON", "weight": 20,
        "districts": [
            ("Financial District", 43.6481, -79.3815, "M5H"), ("Liberty Village", 43.6376, -79.4209, "M6K"),
            ("The Annex", 43.6703, -79.4076, "M5R"), ("Leslieville", 43.6627, -79.3307, "M4M"),
            ("Yorkville", 43.6709, -79.3933, "M5R"), ("Distillery District", 43.6503, -79.3596, "M5A"),
            ("North York", 43.7615, -79.4111, "M2N"), ("Scarborough", 43.7764, -79.2318, "M1P"),
            ("Etobicoke", 43.6435, -79.5650, "M9C"), ("Kensington Market", 43.6547, -79.4005, "M5T"),
            ("Riverdale", 43.6710, -79.3520, "M4K"), ("The Junction", 43.6655, -79.4685, "M6P"),
        ],
        "streets": ["Yonge St", "Queen St W", "King St E", "Bloor St W", "Dundas St W", "Spadina Ave",
                    "Bay St", "College St", "Danforth Ave", "Eglinton Ave E", "Front St W", "Jarvis St",
                    "Dufferin St", "Sheppard Ave E", "Lake Shore Blvd W", "Bathurst St"],
    },
    {
        "city": "Manchester", "code": "MAN", "style": "uk", "weight": 14,
        "districts": [
            ("Ancoats", 53.4840, -2.2251, "M4"), ("Northern Quarter", 53.4837, -2.2350, "M1"),
            ("Spinningfields", 53.4801, -2.2517, "M3"), ("Castlefield", 53.4746, -2.2550, "M3"),
            ("Didsbury", 53.4168, -2.2311, "M20"), ("Chorlton", 53.4420, -2.2768, "M21"),
            ("Hulme", 53.4667, -2.2500, "M15"), ("Rusholme", 53.4550, -2.2240, "M14"),
            ("Levenshulme", 53.4440, -2.1930, "M19"), ("Piccadilly", 53.4774, -2.2309, "M1"),
            ("Moss Side", 53.4590, -2.2420, "M16"), ("Ardwick", 53.4700, -2.2150, "M12"),
        ],
        "streets": ["Deansgate", "Oxford Road", "Portland Street", "Market Street", "Mosley Street",
                    "Great Ancoats Street", "Oldham Street", "Wilmslow Road", "Princess Street",
                    "Quay Street", "Whitworth Street", "Cross Street", "Stockport Road",
                    "Barlow Moor Road", "Hyde Road", "Upper Brook Street"],
    },
    {
        "city": "Berlin", "code": "BER", "style": "de", "weight": 16,
        "districts": [
            ("Mitte", 52.5200, 13.4050, (10115, 10119)), ("Kreuzberg", 52.4986, 13.4033, (10961, 10999)),
            ("Prenzlauer Berg", 52.5389, 13.4244, (10405, 10439)),
            ("Friedrichshain", 52.5158, 13.4541, (10243, 10249)),
            ("Charlottenburg", 52.5163, 13.3041, (10585, 10629)), ("Neukölln", 52.4811, 13.4353, (12043, 12059)),
            ("Schöneberg", 52.4839, 13.3546, (10777, 10829)), ("Moabit", 52.5283, 13.3421, (10551, 10559)),
            ("Wedding", 52.5500, 13.3667, (13347, 13359)), ("Spandau", 52.5361, 13.2033, (13581, 13599)),
            ("Steglitz", 52.4560, 13.3200, (12163, 12169)), ("Pankow", 52.5692, 13.4017, (13187, 13189)),
        ],
        "streets": ["Friedrichstraße", "Karl-Marx-Allee", "Kurfürstendamm", "Torstraße", "Schönhauser Allee",
                    "Oranienstraße", "Sonnenallee", "Turmstraße", "Müllerstraße", "Hauptstraße",
                    "Frankfurter Allee", "Invalidenstraße", "Potsdamer Straße", "Warschauer Straße",
                    "Schloßstraße", "Greifswalder Straße"],
    },
    {
        "city": "Melbourne", "code": "MEL", "style": "au", "state": "VIC", "weight": 14,
        "districts": [
            ("Melbourne", -37.8136, 144.9631, "3000"), ("Southbank", -37.8230, 144.9640, "3006"),
            ("Docklands", -37.8145, 144.9460, "3008"), ("Fitzroy", -37.7990, 144.9780, "3065"),
            ("Carlton", -37.8000, 144.9670, "3053"), ("Richmond", -37.8230, 144.9980, "3121"),
            ("St Kilda", -37.8676, 144.9810, "3182"), ("Brunswick", -37.7670, 144.9610, "3056"),
            ("Collingwood", -37.8020, 144.9880, "3066"), ("South Yarra", -37.8380, 144.9920, "3141"),
            ("Footscray", -37.8000, 144.9000, "3011"), ("Prahran", -37.8510, 144.9930, "3181"),
        ],
        "streets": ["Collins St", "Bourke St", "Flinders St", "Swanston St", "Elizabeth St", "Lygon St",
                    "Chapel St", "Brunswick St", "Sydney Rd", "Smith St", "Victoria St", "Spencer St",
                    "Toorak Rd", "Nicholson St", "Barkly St", "Church St"],
    },
]

# Kinds of site: (English name, British/Australian name, German name, storeys range, basements
# range, weight).
SITE_KINDS = [
    ("Office Tower", "Office Tower", "Bürohochhaus", (12, 60), (2, 4), 6),
    ("Office Building", "Office Building", "Bürogebäude", (3, 12), (0, 2), 12),
    ("Medical Center", "Medical Centre", "Klinikum", (3, 10), (1, 2), 6),
    ("Elementary School", "Primary School", "Grundschule", (1, 3), (0, 1), 8),
    ("High School", "Secondary School", "Gymnasium", (2, 4), (0, 1), 6),
    ("Public Library", "Library", "Stadtbibliothek", (1, 4), (0, 1), 3),
    ("Community Center", "Community Centre", "Nachbarschaftszentrum", (1, 3), (0, 1), 4),
    ("Parking Garage", "Car Park", "Parkhaus", (2, 8), (0, 3), 4),
    ("Apartments", "Apartments", "Wohnanlage", (4, 30), (0, 2), 10),
    ("Hotel", "Hotel", "Hotel", (5, 35), (1, 2), 5),
    ("Distribution Center", "Distribution Centre", "Logistikzentrum", (1, 2), (0, 0), 5),
    ("Warehouse", "Warehouse", "Lagerhalle", (1, 2), (0, 0), 5),
    ("Data Center", "Data Centre", "Rechenzentrum", (1, 4), (0, 1), 2),
    ("Fire Station", "Fire Station", "Feuerwache", (1, 3), (0, 1), 3),
    ("Police Station", "Police Station", "Polizeiabschnitt", (2, 4), (0, 1), 2),
    ("Recreation Center", "Leisure Centre", "Schwimmhalle", (1, 2), (0, 1), 3),
    ("Shopping Center", "Shopping Centre", "Einkaufszentrum", (1, 4), (1, 2), 4),
    ("Senior Living", "Care Home", "Seniorenresidenz", (3, 10), (0, 1), 4),
    ("Bus Garage", "Bus Depot", "Betriebshof", (1, 2), (0, 0), 2),
    ("Civic Center", "Civic Centre", "Bürgeramt", (2, 8), (0, 1), 2),
    ("Research Lab", "Research Centre", "Forschungszentrum", (2, 6), (0, 2), 2),
    ("University Hall", "University Building", "Hörsaalgebäude", (3, 10), (0, 2), 3),
]
# Kinds named after their number ("Fire Station 17") or their address ("233 S Wacker Dr").
NUMBERED_KINDS = {"Fire Station", "Police Station", "Bus Garage"}
ADDRESS_KINDS = {"Office Tower", "Office Building"}
# Kinds whose address may name a suite or unit.
SUITE_KINDS = {"Office Tower", "Office Building", "Medical Center", "Research Lab"}

BRANDS_EN = ["Harbor Point", "Maple Grove", "Riverside", "Summit", "Lakeshore", "Cedar Ridge",
             "Northgate", "Parkview", "Union", "Granite", "Beacon", "Meridian", "Crescent",
             "Foundry", "Ironworks", "Millbrook", "Highgate", "Westbrook", "Silverline", "Kingsway",
             "Oakwood", "Heritage", "Liberty", "Pinnacle", "Waterfront"]
BRANDS_DE = ["Spreeufer", "Lindenhof", "Am Stadtpark", "Humboldt", "Havelblick", "Tiergarten",
             "Am Kanal", "Sonnenhof", "Eichenhain", "Alte Mälzerei", "Kastanienhof", "Westhafen"]
WINGS = ["Building A", "Building B", "Building C", "North Wing", "South Wing", "East Wing",
         "West Wing", "Annex"]
WINGS_DE = ["Haus A", "Haus B", "Haus C", "Nordflügel", "Südflügel", "Anbau"]

# ---------------------------------------------------------------------------------------------
# Assets.

TAG_PREFIX = {"boiler": "BLR", "elevator": "ELV", "fire_extinguisher": "FEX", "sprinkler": "SPR",
              "hvac": "HVAC", "generator": "GEN", "electrical_panel": "EPN", "roof": "ROOF"}
CATEGORY_WEIGHT = {"boiler": 8, "elevator": 9, "fire_extinguisher": 30, "sprinkler": 10, "hvac": 16,
                   "generator": 5, "electrical_panel": 15, "roof": 7}
MANUFACTURERS = {
    "boiler": ["Weil-McLain", "Burnham", "Viessmann", "Lochinvar", "Buderus", "Cleaver-Brooks",
               "Fulton", "Bradford White", "Vaillant"],
    "elevator": ["Otis", "Schindler", "KONE", "TK Elevator", "Mitsubishi Electric", "Fujitec",
                 "Hyundai Elevator"],
    "fire_extinguisher": ["Amerex", "Kidde", "Ansul", "Badger", "Buckeye", "Gloria", "Chubb"],
    "sprinkler": ["Viking", "Tyco", "Reliable Automatic Sprinkler", "Victaulic", "Globe Fire Sprinkler",
                  "Minimax"],
    "hvac": ["Carrier", "Trane", "Daikin", "Lennox", "York", "Mitsubishi Electric", "Rheem"],
    "generator": ["Generac", "Cummins", "Caterpillar", "Kohler", "MTU", "Atlas Copco"],
    "electrical_panel": ["Square D", "Eaton", "Siemens", "ABB", "Schneider Electric", "GE Industrial",
                         "Hager"],
    "roof": ["Firestone Building Products", "GAF", "Carlisle SynTec", "Sika Sarnafil",
             "Johns Manville", "IKO", "Bauder"],
}
# Years an asset of the category may have been installed in (extinguishers are replaced often).
INSTALL_YEARS = {"fire_extinguisher": (2012, 2025)}
DEFAULT_INSTALL_YEARS = (1995, 2025)
LAST_INSTALL_DATE = datetime.date(2025, 6, 30)

# ---------------------------------------------------------------------------------------------
# Checklist templates: per category, routine items (looked at on every visit), detailed items
# (tests and measurements), and six templates as (name, routine items, detailed items).

CHECKLISTS = {
    "boiler": {
        "routine": [
            "Check pressure gauge reading is within normal operating range",
            "Check temperature gauge reading is within normal operating range",
            "Inspect for water, steam or fuel leaks around boiler and piping",
            "Verify low-water cutoff sight glass shows correct water level",
            "Confirm boiler room is clear of combustible storage",
            "Check burner flame appearance through sight port",
            "Verify emergency shutoff switch is accessible and labeled",
            "Inspect flue and vent connector for corrosion or separation",
            "Confirm combustion air openings are unobstructed",
            "Record operating hours and cycle count in boiler log",
        ],
        "detailed": [
            "Test safety relief valve by manual lift",
            "Test low-water cutoff by blowdown",
            "Perform combustion analysis (O2, CO, stack temperature)",
            "Inspect refractory and combustion chamber for cracks",
            "Inspect fire-side and water-side surfaces for scale and soot",
            "Test flame safeguard and ignition lockout",
            "Verify operating and high-limit controls cut out at set points",
            "Inspect expansion tank and check pre-charge pressure",
            "Test water treatment chemistry (pH, conductivity, hardness)",
            "Verify boiler certificate of operation is current and posted",
        ],
        "templates": [
            ("Boiler weekly walkthrough", 7, 0),
            ("Boiler monthly inspection", 9, 1),
            ("Boiler quarterly safety check", 6, 5),
            ("Boiler annual internal inspection", 5, 9),
            ("Boiler pre-heating-season startup", 7, 6),
            ("Boiler post-repair verification", 5, 4),
        ],
    },
    "elevator": {
        "routine": [
            "Ride car and check for smooth starts, stops and leveling",
            "Verify car stops level with each landing within tolerance",
            "Test car emergency alarm button",
            "Test two-way emergency communication to monitoring station",
            "Check car lighting and emergency lighting",
            "Check door reopening device (light curtain or safety edge)",
            "Inspect hoistway doors and landing sills for damage",
            "Verify certificate of operation is current and posted in car",
            "Check hall and car call buttons and indicators",
            "Confirm machine room is locked, lit and free of storage",
        ],
        "detailed": [
            "Inspect hoist ropes for wear, broken wires and lubrication",
            "Test governor and car safety operation",
            "Test buffers and final limit switches",
            "Inspect brake lining and test brake holding capacity",
            "Test Phase I emergency recall and Phase II firefighter service",
            "Inspect traveling cables and hoistway wiring",
            "Check hydraulic fluid level and look for cylinder leaks",
            "Test door lock and contact circuits on each landing",
            "Inspect pit for water, debris and stop switch operation",
            "Check controller for overheating, burnt contacts and fault logs",
            "Verify standby power operation transfers car correctly",
        ],
        "templates": [
            ("Elevator monthly ride check", 8, 0),
            ("Elevator quarterly maintenance check", 6, 3),
            ("Elevator semi-annual inspection", 5, 6),
            ("Elevator annual safety test", 4, 10),
            ("Elevator acceptance inspection after modernization", 6, 9),
            ("Elevator post-incident inspection", 6, 5),
        ],
    },
    "fire_extinguisher": {
        "routine": [
            "Confirm extinguisher is in its designated location",
            "Verify access and visibility are unobstructed",
            "Check pressure gauge needle is in the operable (green) range",
            "Verify safety pin and tamper seal are intact",
            "Inspect cylinder for dents, corrosion or leakage",
            "Inspect hose and nozzle for cracks or blockage",
            "Confirm operating instructions on nameplate are legible and facing outward",
            "Verify inspection tag is attached and initialed",
            "Check mounting bracket and height above floor",
            "Lift extinguisher to confirm it is fully charged",
        ],
        "detailed": [
            "Verify extinguisher type is suitable for the hazard in the area",
            "Check hydrostatic test date is within the required interval",
            "Check six-year internal maintenance date (stored-pressure dry chemical)",
            "Weigh cartridge or cylinder and compare with nameplate weight",
            "Inspect internal parts and agent condition",
            "Replace tamper seal and update service tag",
            "Verify signage is visible from the approach path",
            "Confirm cabinet glass and door open freely",
            "Record serial number and manufacture date",
            "Confirm travel distance to extinguisher meets code",
        ],
        "templates": [
            ("Fire extinguisher monthly visual inspection", 8, 0),
            ("Fire extinguisher quarterly check", 7, 2),
            ("Fire extinguisher annual maintenance", 5, 6),
            ("Fire extinguisher annual service by contractor", 4, 8),
            ("Fire extinguisher new-tenant fit-out check", 4, 4),
            ("Fire extinguisher post-use recharge check", 5, 3),
        ],
    },
    "sprinkler": {
        "routine": [
            "Check system water pressure gauges read within normal range",
            "Verify control valves are open and secured with locks or tamper switches",
            "Inspect sprinkler heads for paint, corrosion, damage or obstruction",
            "Confirm at least 18 in (457 mm) of clearance below sprinkler deflectors",
            "Check spare sprinkler cabinet holds the required heads and wrench",
            "Inspect fire department connection caps, swivels and signage",
            "Inspect visible piping and hangers for damage or leaks",
            "Verify valve room is heated above 40 °F (4 °C)",
            "Check alarm valve trim for leaks",
            "Confirm system signage and hydraulic placard are present",
        ],
        "detailed": [
            "Perform main drain test and record static and residual pressure",
            "Test waterflow alarm by opening inspector's test valve",
            "Test valve supervisory (tamper) switches",
            "Trip-test dry pipe valve and record trip time",
            "Check dry pipe system air pressure and compressor operation",
            "Drain low-point auxiliary drains on dry system",
            "Test fire pump under churn conditions",
            "Operate and lubricate control valves through full travel",
            "Send sample heads for laboratory testing where required by age",
            "Perform internal pipe obstruction investigation",
        ],
        "templates": [
            ("Sprinkler weekly valve check", 6, 0),
            ("Sprinkler monthly inspection", 8, 1),
            ("Sprinkler quarterly alarm test", 5, 4),
            ("Sprinkler annual inspection and test", 5, 8),
            ("Sprinkler dry system winterization", 4, 5),
            ("Sprinkler impairment restoration check", 6, 3),
        ],
    },
    "hvac": {
        "routine": [
            "Replace or inspect air filters and record pressure drop",
            "Inspect belts for wear and proper tension",
            "Check condensate drain pan and line for blockage",
            "Listen for unusual noise or vibration from fans and compressors",
            "Verify thermostat or BAS setpoints and schedules",
            "Check outdoor air damper operation",
            "Inspect unit cabinet, panels and access doors",
            "Check refrigerant lines and insulation for damage",
            "Verify supply and return air temperatures",
            "Clear debris around condenser and air intakes",
        ],
        "detailed": [
            "Measure refrigerant pressures, superheat and subcooling",
            "Clean evaporator and condenser coils",
            "Measure compressor and fan motor amperage",
            "Lubricate fan and motor bearings",
            "Test economizer changeover and minimum position",
            "Inspect heat exchanger for cracks (gas-fired units)",
            "Test safety controls: high/low pressure and freeze stat",
            "Check electrical connections and contactors for pitting",
            "Verify airflow and static pressure against design",
            "Inspect and treat cooling tower water",
        ],
        "templates": [
            ("HVAC monthly filter and belt check", 7, 0),
            ("HVAC quarterly preventive maintenance", 6, 4),
            ("HVAC spring cooling startup", 4, 7),
            ("HVAC fall heating startup", 4, 6),
            ("Rooftop unit annual inspection", 5, 8),
            ("HVAC comfort complaint investigation", 5, 2),
        ],
    },
    "generator": {
        "routine": [
            "Check engine oil level",
            "Check coolant level and block heater operation",
            "Check fuel level and look for fuel leaks",
            "Inspect battery terminals and electrolyte level",
            "Verify battery charger output and alarm status",
            "Confirm control panel is in AUTO with no active alarms",
            "Inspect exhaust system for leaks and rain cap operation",
            "Check air intake and louvers are unobstructed",
            "Inspect hoses and belts for cracks and wear",
            "Record run hours",
        ],
        "detailed": [
            "Run generator under load for at least 30 minutes",
            "Test automatic transfer switch transfer and retransfer times",
            "Perform annual load bank test",
            "Take fuel sample and test for water and microbial growth",
            "Change oil and oil filter",
            "Replace air filter",
            "Test battery load capacity",
            "Test coolant freeze point and additive concentration",
            "Verify engine safety shutdowns (overspeed, low oil pressure, high temperature)",
            "Check exhaust backpressure and for wet stacking",
        ],
        "templates": [
            ("Generator weekly no-load run check", 7, 0),
            ("Generator monthly load test", 6, 3),
            ("Generator semi-annual service", 5, 5),
            ("Generator annual maintenance", 4, 9),
            ("Generator post-outage inspection", 6, 3),
            ("Generator pre-storm readiness check", 8, 2),
        ],
    },
    "electrical_panel": {
        "routine": [
            "Verify panel cover and dead front are in place",
            "Confirm 36 in (914 mm) of working clearance in front of panel",
            "Check panel directory is complete and legible",
            "Look for signs of overheating: discoloration, odor, melted insulation",
            "Check for unused openings and missing knockout covers",
            "Verify arc flash and shock hazard label is present",
            "Confirm panel is not used for storage and door latches",
            "Check for moisture, rust or pest intrusion",
            "Note any tripped breakers and record cause if known",
            "Verify panel room or closet is locked where required",
        ],
        "detailed": [
            "Perform infrared thermographic scan under load",
            "Torque-check lug and breaker terminations to specification",
            "Test ground fault circuit interrupter (GFCI) breakers",
            "Test arc fault circuit interrupter (AFCI) breakers",
            "Measure phase load balance and record currents",
            "Verify grounding and bonding conductor connections",
            "Exercise main breaker and check mechanism operation",
            "Vacuum dust and debris from enclosure (de-energized)",
            "Measure insulation resistance on feeders (de-energized)",
            "Check surge protective device status indicators",
        ],
        "templates": [
            ("Electrical panel quarterly visual check", 8, 0),
            ("Electrical panel annual infrared survey", 5, 3),
            ("Electrical panel preventive maintenance", 4, 8),
            ("Electrical room safety walkthrough", 7, 1),
            ("Electrical panel post-tenant-work check", 6, 3),
            ("Electrical panel insurance inspection", 5, 6),
        ],
    },
    "roof": {
        "routine": [
            "Inspect roof surface for ponding water",
            "Clear debris from drains, scuppers and gutters",
            "Check membrane or shingles for blisters, splits and punctures",
            "Inspect flashing at parapets, curbs and penetrations",
            "Inspect rooftop equipment supports and curbs",
            "Check roof hatch, ladder and guardrails",
            "Look for vegetation or biological growth",
            "Inspect sealants at coping and counterflashing",
            "Check walkway pads and traffic paths",
            "Photograph any damage and mark locations on roof plan",
        ],
        "detailed": [
            "Probe seams and laps for adhesion",
            "Perform infrared moisture survey of the roof deck",
            "Take core cut to verify insulation condition",
            "Inspect interior ceiling below roof for stains and leaks",
            "Check lightning protection conductors and bonding",
            "Verify fall-protection anchors are certified and tagged",
            "Inspect skylights for cracks and seal failure",
            "Check downspouts and overflow drains discharge freely",
            "Review warranty requirements and record maintenance for warranty file",
            "Estimate remaining service life and recommend repair or replacement",
        ],
        "templates": [
            ("Roof spring inspection", 8, 2),
            ("Roof fall inspection", 8, 2),
            ("Roof post-storm inspection", 7, 3),
            ("Roof annual condition assessment", 5, 9),
            ("Roof drain and gutter check", 6, 0),
            ("Roof warranty inspection", 4, 7),
        ],
    },
}

# ---------------------------------------------------------------------------------------------


def weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def postal_code(rng, city, district):
    code = district[3]
    style = city["style"]
    if style == "de":
        return str(rng.randint(code[0], code[1]))
    if style == "ca":  # FSA, then digit letter digit (no D, F, I, O, Q, U)
        letters = "ABCEGHJKLMNPRSTVWXYZ"
        return f"{code} {rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"
    if style == "uk":  # outward code, then digit and two letters (no C, I, K, M, O, V)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return f"{code} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    return code


def street_address(rng, city):
    street = rng.choice(city["streets"])
    if city["style"] == "de":
        number = str(rng.randint(1, 180))
        if rng.random() < 0.12:
            number += rng.choice("abc")
        return f"{street} {number}"
    if city["style"] in ("uk", "au"):
        return f"{rng.randint(1, 320)} {street}"
    if rng.random() < 0.7:  # North American block numbers
        return f"{rng.randint(1, 48) * 100 + rng.randint(0, 99)} {street}"
    return f"{rng.randint(1, 999)} {street}"


def full_address(rng, city, district, street, kind):
    postcode = postal_code(rng, city, district)
    style = city["style"]
    if kind[0] in SUITE_KINDS and style != "de" and rng.random() < 0.3:
        street = f"{street}, {rng.choice(['Suite', 'Unit', 'Level'])} {rng.randint(1, 30)}"
    if style == "us":
        return f"{street}, {city['city']}, {city['state']} {postcode}"
    if style == "ca":
        return f"{street}, {city['city']}, {city['province']} {postcode}"
    if style == "uk":
        return f"{street}, {city['city']} {postcode}"
    if style == "au":  # the suburb, as Australian addresses have it
        return f"{street}, {district[0]} {city['state']} {postcode}"
    return f"{street}, {postcode} {city['city']}"


def site_name(rng, city, district, kind, street, counters):
    english, british, german = kind[0], kind[1], kind[2]
    style = city["style"]
    if style == "de":
        form = rng.random()
        if form < 0.45:
            return f"{german} {district[0]}"
        if form < 0.8:
            return f"{german} {rng.choice(BRANDS_DE)}"
        return f"{german} {rng.choice(BRANDS_DE)}, {rng.choice(WINGS_DE)}"
    label = english if style in ("us", "ca") else british
    if english in NUMBERED_KINDS:
        counters[label] = counters.get(label, 0) + rng.randint(1, 4)
        return f"{label} {counters[label]}"
    form = rng.random()
    if english in ADDRESS_KINDS and form < 0.35:
        return street
    if form < 0.45:
        return f"{district[0]} {label}"
    if form < 0.8:
        return f"{rng.choice(BRANDS_EN)} {label}"
    return f"{rng.choice(BRANDS_EN)} {label}, {rng.choice(WINGS)}"


def coordinate(rng, centre, spread):
    value = round(centre + rng.uniform(-spread, spread), 5)
    return f"{value:.5f}"


def make_sites(rng):
    sites = []
    used_names = set()
    city_seq = {}
    counters = {}
    kinds_weights = [k[5] for k in SITE_KINDS]
    for n in range(1, SITE_COUNT + 1):
        city = weighted(rng, CITIES, [c["weight"] for c in CITIES])
        district = rng.choice(city["districts"])
        kind = weighted(rng, SITE_KINDS, kinds_weights)
        street = street_address(rng, city)
        per_city = counters.setdefault(city["code"], {})
        name = site_name(rng, city, district, kind, street, per_city)
        while name in used_names:
            street = street_address(rng, city)
            name = site_name(rng, city, district, kind, street, per_city)
        used_names.add(name)
        city_seq[city["code"]] = city_seq.get(city["code"], 0) + 1
        has_position = rng.random() >= 0.03
        sites.append({
            "id": f"site-{n:04d}",
            "name": name,
            "code": f"{city['code']}-{city_seq[city['code']]:04d}",
            "address": full_address(rng, city, district, street, kind) if rng.random() >= 0.01 else None,
            "city": city["city"],
            "latitude": coordinate(rng, district[1], 0.012) if has_position else None,
            "longitude": coordinate(rng, district[2], 0.016) if has_position else None,
            "active": "false" if rng.random() < 0.04 else "true",
            # Not written: what the assets of the site depend on.
            "_storeys": rng.randint(*kind[3]),
            "_basements": rng.randint(*kind[4]),
        })
    return sites


def install_date(rng, category):
    first, last = INSTALL_YEARS.get(category, DEFAULT_INSTALL_YEARS)
    start = datetime.date(first, 1, 1)
    end = min(datetime.date(last, 12, 31), LAST_INSTALL_DATE)
    day = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
    return day.strftime("%Y-%m-%dT00:00:00Z")


def asset_floor(rng, category, storeys, basements):
    lowest = -basements
    top = storeys - 1
    if category == "roof":
        return storeys
    if category == "elevator":
        return lowest if rng.random() < 0.3 else 0  # the lowest landing, else the lobby
    if category in ("boiler", "generator"):
        if rng.random() < 0.2:
            return storeys  # rooftop plant
        return lowest
    if category == "hvac":
        return storeys if rng.random() < 0.6 else rng.randint(lowest, top)
    return rng.randint(lowest, top)


def make_assets(rng, sites):
    # Every site has at least one asset; the rest go to sites in proportion to their size.
    counts = [1] * len(sites)
    weights = [1 + s["_storeys"] / 4 for s in sites]
    for i in rng.choices(range(len(sites)), weights=weights, k=ASSET_COUNT - len(sites)):
        counts[i] += 1
    tag_seq = {c: 0 for c in CATEGORIES}
    assets = []
    for site, count in zip(sites, counts):
        has_roof = False
        for _ in range(count):
            allowed = [c for c in CATEGORIES
                       if not (c == "roof" and has_roof) and not (c == "elevator" and site["_storeys"] < 2)]
            category = weighted(rng, allowed, [CATEGORY_WEIGHT[c] for c in allowed])
            has_roof = has_roof or category == "roof"
            tag_seq[category] += 1
            assets.append({
                "id": f"asset-{len(assets) + 1:05d}",
                "site": site["id"],
                "tag": f"{TAG_PREFIX[category]}-{tag_seq[category]:04d}",
                "category": category,
                "manufacturer": rng.choice(MANUFACTURERS[category]) if rng.random() >= 0.06 else None,
                "installedOn": install_date(rng, category) if rng.random() >= 0.04 else None,
                "floor": str(asset_floor(rng, category, site["_storeys"], site["_basements"])),
            })
    assert max(tag_seq.values()) <= 9999
    return assets


def make_templates(rng):
    templates = []
    for category in CATEGORIES:
        spec = CHECKLISTS[category]
        for n, (name, routine, detailed) in enumerate(spec["templates"], start=1):
            # Keep the pools' order: routine items first, then the tests.
            picked = sorted(rng.sample(range(len(spec["routine"])), routine))
            items = [spec["routine"][i] for i in picked]
            picked = sorted(rng.sample(range(len(spec["detailed"])), detailed))
            items += [spec["detailed"][i] for i in picked]
            assert 6 <= len(items) <= 15, name
            templates.append({
                "id": f"tpl-{category.replace('_', '-')}-{n:02d}",
                "name": name,
                "category": category,
                "items": items,
                "revision": weighted(rng, [1, 2, 3, 4, 5], [40, 30, 15, 10, 5]),
            })
    return templates


def write_csv(path, columns, rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def main():
    rng = random.Random(SEED)
    sites = make_sites(rng)
    assets = make_assets(rng, sites)
    templates = make_templates(rng)
    os.makedirs(OUT_DIR, exist_ok=True)
    write_csv(os.path.join(OUT_DIR, "sites.csv"),
              ["id", "name", "code", "address", "city", "latitude", "longitude", "active"], sites)
    write_csv(os.path.join(OUT_DIR, "assets.csv"),
              ["id", "site", "tag", "category", "manufacturer", "installedOn", "floor"], assets)
    with open(os.path.join(OUT_DIR, "checklist-templates.json"), "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(templates, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(sites)} sites, {len(assets)} assets and {len(templates)} checklist templates "
          f"to {os.path.relpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
